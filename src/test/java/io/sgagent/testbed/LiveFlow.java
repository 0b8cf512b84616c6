package io.sgagent.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived connection (a single TCP socket, or a UDP socket with a fixed 5-tuple) held open by a python3
 * process in the client's namespace, so a test can check whether <em>the same</em> flow keeps passing while
 * rules change around it. The target runs the testbed's echo server for the port (started if needed).
 *
 * <pre>
 * try (LiveFlow ssh = LiveFlow.tcp(remote, vm, vm.ipv4(), 22)) {
 *     assertThat(ssh.exchange()).isTrue();      // one line out, the same line back on the same socket
 *     agent.putVm(...);                          // narrow the rules
 *     assertThat(ssh.failsWithin(Duration.ofSeconds(2))).isTrue();
 * }
 * </pre>
 *
 * <p>The helper talks to python over stdin/stdout (one command, one answer line); python exits when its stdin
 * closes (test done or JVM gone), and a testbed's {@link Testbed#close()} kills whatever still runs in its
 * namespaces. A TCP flow is closed with a reset (SO_LINGER 0) so no orphaned socket keeps retransmitting.
 */
public final class LiveFlow implements AutoCloseable {

    /** Default wait for one echo. */
    public static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final String EOF = "\u0000eof";

    private final String description;
    private final String protocol;
    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines;
    private final StringBuffer stderr;
    private final String localAddress;
    private final int localPort;
    private volatile String lastFailure = "";
    private boolean closed;

    private LiveFlow(String description, String protocol, Process process, BlockingQueue<String> lines,
                     StringBuffer stderr, String localAddress, int localPort) {
        this.description = description;
        this.protocol = protocol;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.lines = lines;
        this.stderr = stderr;
        this.localAddress = localAddress;
        this.localPort = localPort;
    }

    /**
     * Opens a TCP connection from {@code client} to {@code targetIp:port} (echo server on {@code target}, which may be
     * null if something else listens). Throws if the handshake does not complete within 2 s.
     */
    public static LiveFlow tcp(Vm client, Vm target, String targetIp, int port) {
        if (target != null) {
            target.serveTcp(port);
        }
        return open(client, "tcp", targetIp, port, 0);
    }

    /**
     * A UDP "flow" from {@code client}, source port {@code sourcePort} (0: an ephemeral one, fixed for the life of
     * the flow), to {@code targetIp:port}; every {@link #exchange()} uses this same 5-tuple. Opening sends nothing.
     */
    public static LiveFlow udp(Vm client, Vm target, String targetIp, int port, int sourcePort) {
        if (target != null) {
            target.serveUdp(port);
        }
        return open(client, "udp", targetIp, port, sourcePort);
    }

    private static LiveFlow open(Vm client, String protocol, String targetIp, int port, int sourcePort) {
        Addr.parse(targetIp);
        if (port < 1 || port > 65535 || sourcePort < 0 || sourcePort > 65535) {
            throw new IllegalArgumentException("bad port " + port + " / source port " + sourcePort);
        }
        String what = protocol + " " + client.name() + " -> " + targetIp + ":" + port;
        List<String> cmd = Cmd.inNetns(client.namespace(), List.of("python3", "-u", "-c", SCRIPT, protocol,
                targetIp, Integer.toString(port), Integer.toString(sourcePort),
                Double.toString(CONNECT_TIMEOUT.toMillis() / 1000.0)));
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("LC_ALL", "C");
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start live flow " + what, e);
        }
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        StringBuffer err = new StringBuffer();
        Cmd.IO_POOL.execute(() -> pump(p, q));
        Cmd.IO_POOL.execute(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (err.length() < 4000) {
                        err.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
        });
        String hello = poll(q, CONNECT_TIMEOUT.plus(GRACE));
        if (hello == null || !hello.startsWith("ok ")) {
            Cmd.kill(p);
            throw new IllegalStateException("live flow " + what + " could not be opened: "
                    + (hello == null || hello.equals(EOF) ? "no answer" : hello) + " " + err.toString().strip());
        }
        String[] f = hello.split(" ");
        return new LiveFlow(what + " (local " + f[1] + ":" + f[2] + ")", protocol, p, q, err, f[1],
                Integer.parseInt(f[2]));
    }

    private static void pump(Process p, BlockingQueue<String> q) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                q.add(line.strip());
            }
        } catch (IOException ignored) {
            // process gone
        } finally {
            q.add(EOF);
        }
    }

    private static String poll(BlockingQueue<String> q, Duration timeout) {
        try {
            return q.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Source address of the flow as seen by the client (the address its socket is bound to). */
    public String localAddress() {
        return localAddress;
    }

    /** Source port of the flow (the client's end). */
    public int localPort() {
        return localPort;
    }

    public String protocol() {
        return protocol;
    }

    /** Why the last failed {@link #exchange()} failed ("timeout", "ECONNRESET", ...). */
    public String lastFailure() {
        return lastFailure;
    }

    /** Sends one line on the flow and waits up to 1 s for its echo; {@code true} iff it came back in time. */
    public boolean exchange() {
        return exchange(EXCHANGE_TIMEOUT);
    }

    /**
     * Sends one unique line on the flow's socket (UDP: re-sent every 0.3 s) and waits up to {@code timeout} for that
     * line to be echoed on the same socket. Echoes of earlier, late lines are skipped.
     */
    public synchronized boolean exchange(Duration timeout) {
        if (closed) {
            throw new IllegalStateException("live flow " + description + " is closed");
        }
        String answer = command("x " + (timeout.toMillis() / 1000.0), timeout.plus(GRACE));
        if ("ok".equals(answer)) {
            return true;
        }
        if (answer == null || answer.equals(EOF)) {
            try {
                process.waitFor(500, TimeUnit.MILLISECONDS); // let a traceback reach stderr
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Cmd.sleep(100);
            String state = answer == null ? "gave no answer within " + timeout.plus(GRACE)
                    + (process.isAlive() ? " (still running)" : " (exit " + process.exitValue() + ")")
                    : "exited" + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")");
            throw new IllegalStateException("live flow helper " + description + " " + state + ": "
                    + stderr.toString().strip());
        }
        lastFailure = answer;
        return false;
    }

    /**
     * Repeats {@link #exchange()} until one fails or {@code within} has passed; {@code true} iff an exchange failed
     * in time. Each attempt waits at most 1 s (less near the deadline).
     */
    public boolean failsWithin(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMs <= 0) {
                return false;
            }
            Duration attempt = Duration.ofMillis(Math.max(200, Math.min(EXCHANGE_TIMEOUT.toMillis(), leftMs)));
            if (!exchange(attempt)) {
                return true;
            }
            Cmd.sleep(50);
        }
    }

    private String command(String cmd, Duration timeout) {
        try {
            stdin.write((cmd + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        } catch (IOException e) {
            return EOF;
        }
        return poll(lines, timeout);
    }

    /** Closes the socket (TCP: with a reset) and ends the helper. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stdin.write("q\n".getBytes(StandardCharsets.US_ASCII));
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                Cmd.kill(process);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Cmd.kill(process);
        }
    }

    @Override
    public String toString() {
        return "LiveFlow[" + description + "]";
    }

    /**
     * argv: proto(tcp|udp) dst port sport connectTimeout. Prints "ok &lt;local address&gt; &lt;local port&gt;" or
     * "fail &lt;reason&gt;" once; then answers each stdin command: "x &lt;seconds&gt;" → "ok" | "fail &lt;reason&gt;";
     * "q" or EOF → exit.
     */
    static final String SCRIPT = """
            import errno, os, select, socket, struct, sys, time
            proto, dst, port, sport, cto = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
            fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
            tcp = proto == 'tcp'

            def say(s):
                sys.stdout.write(s + chr(10))
                sys.stdout.flush()

            def reason(e):
                if isinstance(e, socket.timeout):
                    return 'timeout'
                return errno.errorcode.get(e.errno, str(e.errno)) if getattr(e, 'errno', None) else str(e)

            s = socket.socket(fam, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
            try:
                if sport:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(('::' if fam == socket.AF_INET6 else '0.0.0.0', sport))
                s.settimeout(cto)
                s.connect((dst, port))
                s.setblocking(False)
            except OSError as e:
                say('fail connect ' + reason(e))
                sys.exit(0)
            local = s.getsockname()
            say('ok %s %d' % (local[0], local[1]))

            buf = b''
            n = 0
            while True:
                line = sys.stdin.readline()
                if not line:
                    break
                cmd = line.split()
                if not cmd:
                    continue
                if cmd[0] == 'q':
                    break
                if cmd[0] != 'x':
                    say('fail unknown command')
                    continue
                budget = float(cmd[1]) if len(cmd) > 1 else 1.0
                deadline = time.monotonic() + budget
                n += 1
                token = ('live-%d-%s' % (n, os.urandom(4).hex())).encode()
                result = 'fail timeout'
                nxt = 0.0
                sent = False
                while True:
                    now = time.monotonic()
                    if now >= deadline:
                        break
                    if now >= nxt and (not tcp or not sent):
                        try:
                            s.send(token + b'\\n')
                            sent = True
                        except BlockingIOError:
                            pass
                        except OSError as e:
                            result = 'fail send ' + reason(e)
                            break
                        nxt = now + 0.3
                    wait = max(0.0, min(deadline, nxt if not tcp or not sent else deadline) - time.monotonic())
                    if not select.select([s], [], [], wait)[0]:
                        continue
                    try:
                        d = s.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError as e:
                        result = 'fail recv ' + reason(e)
                        break
                    if tcp:
                        if not d:
                            result = 'fail eof'
                            break
                        buf += d
                        parts = buf.split(b'\\n')
                        buf = parts[-1]
                        if token in parts[:-1]:
                            result = 'ok'
                            break
                    elif d.strip() == token:
                        result = 'ok'
                        break
                say(result)
            if tcp:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                except OSError:
                    pass
            s.close()
            """;
}
