package io.sgagent.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Many TCP connections from one namespace in one python3 process (a process per connection would take seconds):
 * {@link #connectMany} for a burst of short connections, {@link #hold} for connections kept open (e.g. to fill
 * the conntrack table with entries the kernel cannot early-drop: established, assured flows).
 */
public final class TcpLoad {

    private TcpLoad() {
    }

    /** Outcome of {@link #connectMany}: how many connections echoed, and why the others failed. */
    public record Burst(int attempted, int succeeded, String failures, Duration took) {
    }

    /**
     * Opens {@code count} connections from {@code client} to {@code targetIp:port} one after the other; each sends a
     * line, waits for its echo (at most {@code perConnection}) and closes. The echo server runs on {@code target}.
     */
    public static Burst connectMany(Vm client, Vm target, String targetIp, int port, int count,
                                    Duration perConnection) {
        Addr.parse(targetIp);
        if (target != null) {
            target.serveTcp(port);
        }
        long start = System.nanoTime();
        Duration budget = perConnection.multipliedBy(count).plusSeconds(10);
        ExecResult r = client.testbed().run(client.namespace(), budget, "python3", "-c", BURST, targetIp,
                Integer.toString(port), Integer.toString(count),
                Double.toString(perConnection.toMillis() / 1000.0)).orThrow();
        String[] f = r.stdout().strip().split(" ", 2);
        return new Burst(count, Integer.parseInt(f[0]), f.length > 1 ? f[1] : "",
                Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Opens connections from {@code client} to {@code targetIp:port} and keeps them open (a byte each way every 2 s,
     * so the echo server's idle timeout never closes them), until {@code max} are open or two consecutive connects
     * fail to complete within {@code connectTimeout}. Returns once the opening phase is over.
     */
    public static Held hold(Vm client, Vm target, String targetIp, int port, int max, Duration connectTimeout) {
        Addr.parse(targetIp);
        if (target != null) {
            target.serveTcp(port);
        }
        List<String> cmd = Cmd.inNetns(client.namespace(), List.of("python3", "-u", "-c", HOLD, targetIp,
                Integer.toString(port), Integer.toString(max), Double.toString(connectTimeout.toMillis() / 1000.0)));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the connection holder in " + client.namespace(), e);
        }
        CompletableFuture<String> opened = new CompletableFuture<>();
        StringBuffer log = new StringBuffer();
        Cmd.IO_POOL.execute(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!opened.isDone() && line.startsWith("opened ")) {
                        opened.complete(line.strip());
                    } else if (log.length() < 4000) {
                        log.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // gone
            } finally {
                opened.complete(null);
            }
        });
        String line;
        try {
            line = opened.get(connectTimeout.multipliedBy(max + 2L).plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null) {
            Cmd.kill(p);
            throw new IllegalStateException("connection holder in " + client.namespace() + " failed: " + log);
        }
        String[] f = line.split(" ");
        return new Held(p, Integer.parseInt(f[1]), f[2].equals("full"), f.length > 3 ? f[3] : "");
    }

    /** Connections held open by {@link #hold}; {@link #close()} resets them all and ends the process. */
    public static final class Held implements AutoCloseable {
        private final Process process;
        private final int opened;
        private final boolean stoppedByFailure;
        private final String failure;

        Held(Process process, int opened, boolean stoppedByFailure, String failure) {
            this.process = process;
            this.opened = opened;
            this.stoppedByFailure = stoppedByFailure;
            this.failure = failure;
        }

        /** Connections open. */
        public int opened() {
            return opened;
        }

        /** {@code true} if opening stopped because connects failed (rather than because {@code max} was reached). */
        public boolean stoppedByFailure() {
            return stoppedByFailure;
        }

        /** How the last connects failed ("timeout", "ECONNREFUSED", ...), if they did. */
        public String failure() {
            return failure;
        }

        public boolean alive() {
            return process.isAlive();
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    Cmd.kill(process);
                }
            } catch (IOException e) {
                Cmd.kill(process);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Cmd.kill(process);
            }
        }
    }

    /** argv: dst port count timeout. Prints "&lt;succeeded&gt; &lt;reason&gt;=&lt;n&gt;,...". */
    static final String BURST = """
            import errno, socket, sys
            dst, port, n, to = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
            fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
            ok = 0
            why = {}
            for i in range(n):
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(to)
                msg = b'burst-%d' % i + bytes([10])
                try:
                    s.connect((dst, port))
                    s.sendall(msg)
                    got = b''
                    while len(got) < len(msg):
                        d = s.recv(4096)
                        if not d:
                            break
                        got += d
                    if got == msg:
                        ok += 1
                    else:
                        why['mismatch'] = why.get('mismatch', 0) + 1
                except socket.timeout:
                    why['timeout'] = why.get('timeout', 0) + 1
                except OSError as e:
                    k = errno.errorcode.get(e.errno, str(e.errno))
                    why[k] = why.get(k, 0) + 1
                finally:
                    s.close()
            print(ok, ','.join('%s=%d' % kv for kv in sorted(why.items())))
            """;

    /**
     * argv: dst port max connectTimeout. Prints "opened &lt;n&gt; full|max &lt;reason&gt;" after the opening phase,
     * then keeps the connections alive until stdin closes; closes them with a reset.
     */
    static final String HOLD = """
            import errno, os, select, socket, struct, sys, time
            dst, port, mx, cto = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
            fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
            socks = []
            fails = 0
            why = ''
            while len(socks) < mx and fails < 2:
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(cto)
                try:
                    s.connect((dst, port))
                    socks.append(s)
                    fails = 0
                except OSError as e:
                    s.close()
                    fails += 1
                    why = 'timeout' if isinstance(e, socket.timeout) else errno.errorcode.get(e.errno, str(e.errno))
            print('opened %d %s %s' % (len(socks), 'full' if fails >= 2 else 'max', why), flush=True)
            for s in socks:
                s.setblocking(False)
            nxt = 0.0
            while True:
                now = time.monotonic()
                if now >= nxt:
                    for s in socks:
                        try:
                            s.send(b'k')
                        except OSError:
                            pass
                    nxt = now + 2.0
                r = select.select([0] + socks, [], [], max(0.0, nxt - time.monotonic()))[0]
                if 0 in r:
                    if not os.read(0, 64):
                        break
                for s in r:
                    if s != 0:
                        try:
                            d = s.recv(65536)
                        except BlockingIOError:
                            continue
                        except OSError:
                            d = b''
                        if not d:
                            socks.remove(s)
                            s.close()
            for s in socks:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                except OSError:
                    pass
                s.close()
            """;
}
