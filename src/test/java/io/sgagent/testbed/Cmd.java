package io.sgagent.testbed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Low-level process execution: argv lists only (never a shell), always with a timeout, stdout and stderr captured.
 * Bare tool names (e.g. {@code "iptables"}) are resolved to absolute paths, also looking into the sbin directories
 * that a non-root PATH usually lacks.
 */
final class Cmd {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final List<String> EXTRA_DIRS = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");

    private static final Map<String, Optional<String>> WHICH_CACHE = new ConcurrentHashMap<>();
    private static volatile String python;

    static final ExecutorService IO_POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "testbed-io");
        t.setDaemon(true);
        return t;
    });

    private Cmd() {
    }

    /** Absolute path of an executable found on PATH (or the usual sbin/bin dirs), if any. */
    static Optional<String> which(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name)) ? Optional.of(name) : Optional.empty();
        }
        return WHICH_CACHE.computeIfAbsent(name, n -> {
            Set<String> dirs = new LinkedHashSet<>();
            String path = System.getenv("PATH");
            if (path != null) {
                for (String d : path.split(":")) {
                    if (!d.isEmpty()) {
                        dirs.add(d);
                    }
                }
            }
            dirs.addAll(EXTRA_DIRS);
            for (String d : dirs) {
                Path p = Path.of(d, n);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p.toString());
                }
            }
            return Optional.empty();
        });
    }

    /** Resolves a bare tool name to an absolute path; leaves it untouched if it cannot be found. */
    static String tool(String name) {
        if ("python3".equals(name)) {
            return python();
        }
        return which(name).orElse(name);
    }

    /**
     * The python3 interpreter to use for probes. Resolved from PATH once; if it is a wrapper (e.g. a pyenv shim,
     * which costs ~70 ms per start) the real interpreter reported by {@code sys.executable} is used instead.
     */
    static String python() {
        String p = python;
        if (p == null) {
            synchronized (Cmd.class) {
                p = python;
                if (p == null) {
                    p = which("python3").orElse("python3");
                    try {
                        ExecResult r = run(List.of(p, "-c", "import sys; print(sys.executable)"),
                                Duration.ofSeconds(10));
                        String exe = r.stdout().strip();
                        if (r.ok() && !exe.isEmpty() && Files.isExecutable(Path.of(exe))) {
                            p = exe;
                        }
                    } catch (RuntimeException ignored) {
                        // keep the PATH entry
                    }
                    python = p;
                }
            }
        }
        return p;
    }

    /** Replaces argv[0] by its absolute path if it is a bare, resolvable tool name. */
    static List<String> resolve(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty argv");
        }
        List<String> out = new ArrayList<>(argv);
        out.set(0, tool(argv.get(0)));
        return out;
    }

    /** argv that runs {@code argv} inside the named network namespace via {@code ip netns exec}. */
    static List<String> inNetns(String namespace, List<String> argv) {
        List<String> full = new ArrayList<>(argv.size() + 4);
        full.add(tool("ip"));
        full.add("netns");
        full.add("exec");
        full.add(namespace);
        full.addAll(resolve(argv));
        return full;
    }

    /** Runs a command, never throws for a non-zero exit; throws only if the process cannot be started. */
    static ExecResult run(List<String> argv, Duration timeout) {
        List<String> cmd = resolve(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // nothing to do
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()), IO_POOL);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), IO_POOL);
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(p);
            throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), e);
        }
        if (!finished) {
            kill(p);
        }
        String o = await(out);
        String e = await(err);
        return new ExecResult(cmd, finished ? p.exitValue() : -1, o, e, !finished);
    }

    static ExecResult run(Duration timeout, String... argv) {
        return run(List.of(argv), timeout);
    }

    /** Runs a command that has to succeed. */
    static String exec(String... argv) {
        return run(List.of(argv), DEFAULT_TIMEOUT).orThrow().stdout();
    }

    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String await(CompletableFuture<String> f) {
        try {
            return f.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a grandchild may still hold the pipe open; give up on the rest of the output
            return "";
        }
    }

    static String readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            in.transferTo(bos);
            return bos.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Sleeps without the checked exception. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
