package io.sgagent.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The packaged agent as a separate process programming one {@code ip netns} namespace, started the way production
 * starts it: {@code java @config/jvm.options -jar sg-agent.jar}, drift check at its default interval.
 */
final class AgentProc implements AutoCloseable {
    /**
     * The shipped production JVM options (config/jvm.options, one per line, '#' comments), or the file named by
     * {@code bench.jvmOptions} to measure an alternative set.
     */
    static final Path JVM_OPTIONS_FILE = Path.of(Knobs.get("jvmOptions", "config/jvm.options")).toAbsolutePath();
    static final List<String> JVM_OPTIONS = readOptions(JVM_OPTIONS_FILE);

    /** The drift check interval the agent runs with: its default unless {@code bench.drift} says otherwise. */
    static final String DRIFT_INTERVAL = Knobs.get("drift", "");

    private static List<String> readOptions(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the JVM options " + file + ": " + e);
        }
    }

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http;
    private final long startupNanos;

    private AgentProc(Process process, int port, Path log, long startupNanos) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.startupNanos = startupNanos;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "bench-http");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    /** HTTP answer with the time it took, measured by the caller's thread from send to full body. */
    record Response(int status, String body, long nanos) {
        double millis() {
            return nanos / 1e6;
        }
    }

    /**
     * Starts the agent and waits until {@code /actuator/health/readiness} answers 200; the time from process
     * start to that answer is {@link #startupMillis()}.
     */
    static AgentProc start(Path jar, String netns, Path stateDir, Path log, String... extraArgs)
            throws IOException, InterruptedException {
        return start(jar, netns, false, stateDir, log, extraArgs);
    }

    /**
     * @param inside run the agent inside {@code netns} as the first process of a new PID namespace, programming the
     *               namespace it runs in (no {@code ip netns exec} per tool): what production looks like, where the
     *               agent runs in the hypervisor's initial namespace next to PID 1 and keeps its stored state
     *               across a reboot
     */
    static AgentProc start(Path jar, String netns, boolean inside, Path stateDir, Path log, String... extraArgs)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        if (inside) {
            command.addAll(List.of("ip", "netns", "exec", netns, "unshare", "--pid", "--fork", "--mount-proc",
                    "--kill-child=SIGTERM"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The options file itself (as production passes it), so the java launcher parses it the same way.
        command.add("@" + JVM_OPTIONS_FILE);
        // inside a namespace the agent listens on that namespace's loopback: reach it through the same namespace
        command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port, "--server.address=127.0.0.1",
                "--sgagent.netfilter.netns=" + (inside ? "" : netns), "--sgagent.state-dir=" + stateDir,
                "--spring.main.banner-mode=off"));
        if (!DRIFT_INTERVAL.isEmpty()) {
            command.add("--sgagent.reconcile.drift-interval=" + DRIFT_INTERVAL);
        }
        command.addAll(List.of(extraArgs));
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = start + TimeUnit.SECONDS.toNanos(180);
        if (inside) {
            // The agent listens on the namespace's own loopback: poll readiness from inside the namespace.
            Process poll = new ProcessBuilder("ip", "netns", "exec", netns, "python3", "-c", Py.POLL_READY,
                    Integer.toString(port)).redirectErrorStream(true).start();
            while (System.nanoTime() < deadline && poll.isAlive()) {
                if (!process.isAlive()) {
                    poll.destroyForcibly();
                    throw new IllegalStateException("agent exited during startup; log " + log + ":\n" + tail(log));
                }
                poll.waitFor(20, TimeUnit.MILLISECONDS);
            }
            long nanos = System.nanoTime() - start;
            if (poll.isAlive() || poll.exitValue() != 0) {
                poll.destroyForcibly();
                process.destroyForcibly();
                throw new IllegalStateException("agent not ready within 180 s; log " + log + ":\n" + tail(log));
            }
            return new AgentProc(process, port, log, nanos);
        }
        HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("agent exited during startup; log " + log + ":\n" + tail(log));
            }
            try {
                HttpResponse<Void> r = probe.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return new AgentProc(process, port, log, System.nanoTime() - start);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("agent not ready within 180 s; log " + log + ":\n" + tail(log));
    }

    double startupMillis() {
        return startupNanos / 1e6;
    }

    /** The JVM's pid (a child of {@code unshare} when the agent runs inside its namespace). */
    long pid() {
        return process.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .map(ProcessHandle::pid).findFirst().orElse(process.pid());
    }

    /** VmRSS of the agent process in KiB. */
    long rssKb() {
        return status("VmRSS:");
    }

    /** VmHWM (peak RSS) of the agent process in KiB. */
    long peakRssKb() {
        return status("VmHWM:");
    }

    private long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    Response put(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private Response send(HttpRequest.Builder request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(600)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), System.nanoTime() - start);
        } catch (IOException e) {
            return new Response(-1, e.toString(), System.nanoTime() - start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The Prometheus scrape as name{labels} -> value (histogram buckets included). */
    Map<String, Double> metrics() {
        Response r = get("/actuator/prometheus");
        if (r.status() != 200) {
            throw new IllegalStateException("metrics answered " + r.status() + ": " + r.body());
        }
        Map<String, Double> values = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            try {
                values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            } catch (NumberFormatException | StringIndexOutOfBoundsException ignored) {
                // not a sample line
            }
        }
        return values;
    }

    /** Sum of every sample whose name (before any '{') is {@code name} and whose labels contain {@code label}. */
    static double metric(Map<String, Double> metrics, String name, String label) {
        double sum = 0;
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            String key = e.getKey();
            int brace = key.indexOf('{');
            String base = brace < 0 ? key : key.substring(0, brace);
            if (base.equals(name) && (label == null || key.contains(label))) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    Path log() {
        return log;
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        long jvm = pid();
        if (jvm != process.pid()) {
            ProcessHandle.of(jvm).ifPresent(ProcessHandle::destroy);
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String tail(Path log) {
        try (InputStream in = Files.newInputStream(log)) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
