package io.sgagent.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Layer-2 access to a namespace's interface with {@code AF_PACKET} sockets (python3, argv only): send hand-built
 * frames ({@link Frames}) exactly as a guest's driver would put them on the wire, and capture what actually
 * arrives on a receiver's interface. A capture is the receiver-side proof for packets the kernel itself would
 * discard (forged ARP, a DHCP reply nobody asked for): it sees every frame delivered to the interface before any
 * protocol processing, so "not captured" means the hypervisor did not forward it.
 */
public final class RawLink {
    private static final String SEND = """
            import socket, sys, time
            iface, reps = sys.argv[1], int(sys.argv[2])
            frames = [bytes.fromhex(h) for h in sys.argv[3:]]
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((iface, 0))
            for _ in range(reps):
                for f in frames:
                    s.send(f)
                time.sleep(0.1)
            """;

    /** argv: iface seconds signature-hex... Prints "ready", then "seen N" per signature found, then "done". */
    private static final String CAPTURE = """
            import os, select, socket, sys, threading, time
            def _watch():
                try:
                    sys.stdin.buffer.read()
                finally:
                    os._exit(0)
            threading.Thread(target=_watch, daemon=True).start()
            iface, seconds = sys.argv[1], float(sys.argv[2])
            sigs = [bytes.fromhex(h) for h in sys.argv[3:]]
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((iface, 0))
            print('ready', flush=True)
            seen = set()
            deadline = time.monotonic() + seconds
            while len(seen) < len(sigs):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([s], [], [], left)[0]:
                    break
                data, addr = s.recvfrom(65535)
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                for i, sig in enumerate(sigs):
                    if i not in seen and sig in data:
                        seen.add(i)
                        print('seen %d' % i, flush=True)
            print('done', flush=True)
            """;

    private RawLink() {
    }

    /** Sends each frame {@code repetitions} times (0.1 s apart) from {@code iface} of {@code vm}'s namespace. */
    public static void send(Vm vm, String iface, int repetitions, List<byte[]> frames) {
        List<String> argv = new ArrayList<>(List.of("python3", "-c", SEND, iface, Integer.toString(repetitions)));
        frames.forEach(f -> argv.add(Frames.hex(f)));
        ExecResult r = vm.exec(argv.toArray(String[]::new));
        if (!r.ok()) {
            throw new IllegalStateException("raw send from " + vm.namespace() + "/" + iface + " failed: "
                    + r.describe());
        }
    }

    /**
     * Starts capturing on {@code iface} of {@code vm}'s namespace for frames containing any of
     * {@code signatures}; returns once the socket is open. {@link Capture#await()} returns the indexes of the
     * signatures seen within {@code duration} (it returns early once all were seen).
     */
    public static Capture capture(Vm vm, String iface, Duration duration, List<byte[]> signatures) {
        List<String> argv = new ArrayList<>(List.of("python3", "-c", CAPTURE, iface,
                Double.toString(duration.toMillis() / 1000.0)));
        signatures.forEach(s -> argv.add(Frames.hex(s)));
        Process process;
        try {
            process = new ProcessBuilder(Cmd.inNetns(vm.namespace(), argv)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a capture in " + vm.namespace(), e);
        }
        Capture capture = new Capture(process, vm.namespace() + "/" + iface, duration);
        capture.awaitReady();
        return capture;
    }

    /**
     * Captures on the receiver while {@code send} runs, and returns the indexes of {@code signatures} that arrived.
     */
    public static Set<Integer> arrivals(Vm receiver, String iface, List<byte[]> signatures, Runnable send) {
        try (Capture capture = capture(receiver, iface, Duration.ofMillis(1500), signatures)) {
            send.run();
            return capture.await();
        }
    }

    /** A running capture; close it to stop early. */
    public static final class Capture implements AutoCloseable {
        private final Process process;
        private final String where;
        private final Duration duration;
        private final BufferedReader out;
        private final StringBuilder log = new StringBuilder();

        private Capture(Process process, String where, Duration duration) {
            this.process = process;
            this.where = where;
            this.duration = duration;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        private void awaitReady() {
            String first = readLine(Duration.ofSeconds(10));
            if (!"ready".equals(first)) {
                close();
                throw new IllegalStateException("capture on " + where + " did not start: " + first + " " + log);
            }
        }

        /** The indexes of the signatures seen; waits for the capture to end. */
        public Set<Integer> await() {
            Set<Integer> seen = new TreeSet<>();
            Duration budget = duration.plusSeconds(10);
            while (true) {
                String line = readLine(budget);
                if (line == null || line.equals("done")) {
                    break;
                }
                if (line.startsWith("seen ")) {
                    seen.add(Integer.parseInt(line.substring(5).strip()));
                } else {
                    log.append(line).append('\n');
                }
            }
            close();
            if (log.length() > 0 && seen.isEmpty() && log.toString().contains("Error")) {
                throw new IllegalStateException("capture on " + where + " failed: " + log);
            }
            return seen;
        }

        private String readLine(Duration timeout) {
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }, Cmd.IO_POOL);
            try {
                return line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                return null;
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                Cmd.kill(process);
            }
        }
    }
}
