package io.sgagent.testbed;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Temporarily lowers the host-wide {@code net.netfilter.nf_conntrack_max} (writable only from the initial network
 * namespace, where this JVM runs) to reproduce "nf_conntrack: table full". Always restores the original value:
 *
 * <ol>
 *   <li>{@link #close()} (use try-with-resources or a {@code finally});</li>
 *   <li>a JVM shutdown hook (normal exit, SIGTERM, SIGINT);</li>
 *   <li>a watchdog process in the initial namespace that puts the original value back when this JVM dies
 *       without running hooks (SIGKILL: its stdin pipe closes) or after {@code maxHold} — in both cases only if
 *       the limit still has the value this class set.</li>
 * </ol>
 *
 * <p>Measured on kernel 6.18: the limit is global but each network namespace's <em>own</em> entry count is
 * checked against it ({@code __nf_conntrack_alloc} compares the per-netns count with {@code nf_conntrack_max}): a
 * namespace with 30 entries does not stop another namespace from adding up to the limit. So lowering the limit
 * caps every namespace of the host at the new value for as long as it is lowered; {@link #highestCount()} tells
 * the lowest limit that pushes no namespace over it.
 */
public final class ConntrackLimit implements AutoCloseable {

    static final String MAX = "/proc/sys/net/netfilter/nf_conntrack_max";
    static final String COUNT = "/proc/sys/net/netfilter/nf_conntrack_count";

    private final long original;
    private final long lowered;
    private final Process watchdog;
    private final Thread hook;
    private boolean closed;

    private ConntrackLimit(long original, long lowered, Process watchdog) {
        this.original = original;
        this.lowered = lowered;
        this.watchdog = watchdog;
        this.hook = new Thread(this::restoreQuietly, "conntrack-limit-restore");
    }

    /** Current {@code nf_conntrack_max}. */
    public static long readMax() {
        return readLong(MAX);
    }

    /** Entry count of the initial network namespace. */
    public static long initialNamespaceCount() {
        return readLong(COUNT);
    }

    /**
     * Entry count of the initial namespace ({@code ""}) and of every namespace {@code ip netns list} shows (read-only;
     * namespaces that cannot be read are left out).
     */
    public static Map<String, Long> namespaceCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("", initialNamespaceCount());
        for (String ns : Testbed.listNamespaces()) {
            ExecResult r = Cmd.run(Cmd.inNetns(ns, List.of("cat", COUNT)), Cmd.DEFAULT_TIMEOUT);
            if (r.ok()) {
                try {
                    counts.put(ns, Long.parseLong(r.stdout().strip()));
                } catch (NumberFormatException ignored) {
                    // not a number: leave it out
                }
            }
        }
        return counts;
    }

    /** The highest per-namespace entry count on this host right now (see {@link #namespaceCounts()}). */
    public static long highestCount() {
        return namespaceCounts().values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /**
     * Sets {@code nf_conntrack_max} to {@code newMax} (which must be lower than the current value) until
     * {@link #close()}; the watchdog restores it at the latest after {@code maxHold}.
     */
    public static ConntrackLimit lower(long newMax, Duration maxHold) {
        long original = readMax();
        if (newMax <= 0 || newMax >= original) {
            throw new IllegalArgumentException("new limit " + newMax + " must be in 1.." + (original - 1));
        }
        Process watchdog = startWatchdog(original, newMax, maxHold);
        ConntrackLimit limit = new ConntrackLimit(original, newMax, watchdog);
        try {
            Runtime.getRuntime().addShutdownHook(limit.hook);
            write(newMax);
            long now = readMax();
            if (now != newMax) {
                throw new IllegalStateException("wrote nf_conntrack_max=" + newMax + " but it reads " + now);
            }
        } catch (RuntimeException | Error e) {
            limit.close();
            throw e;
        }
        return limit;
    }

    public long original() {
        return original;
    }

    public long lowered() {
        return lowered;
    }

    /** Puts the original limit back (and checks it), ends the watchdog. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down (we may be the hook) or never registered
        }
        try {
            write(original);
        } finally {
            try {
                watchdog.getOutputStream().close();
                if (!watchdog.waitFor(2, TimeUnit.SECONDS)) {
                    Cmd.kill(watchdog);
                }
            } catch (IOException ignored) {
                Cmd.kill(watchdog);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Cmd.kill(watchdog);
            }
        }
        long now = readMax();
        if (now != original) {
            throw new IllegalStateException("nf_conntrack_max is " + now + " after restoring " + original);
        }
    }

    private void restoreQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("[conntrack-limit] " + e.getMessage());
        }
    }

    private static void write(long value) {
        // one write(2) of the whole value; procfs ignores the truncation FileOutputStream asks for
        try (OutputStream out = new FileOutputStream(MAX)) {
            out.write((value + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + MAX + " (root in the initial namespace needed)", e);
        }
    }

    /** Reads a procfs number with a plain stream (Files.readString truncates procfs files on some kernels). */
    static long readLong(String path) {
        try (InputStream in = new FileInputStream(path)) {
            return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static Process startWatchdog(long original, long lowered, Duration maxHold) {
        List<String> cmd = Cmd.resolve(List.of("python3", "-u", "-c", WATCHDOG, MAX, Long.toString(original),
                Long.toString(lowered), Double.toString(maxHold.toMillis() / 1000.0)));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the nf_conntrack_max watchdog", e);
        }
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Cmd.IO_POOL.execute(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.strip().equals("ready")) {
                        ready.complete(true);
                    } else {
                        System.err.println("[conntrack-limit watchdog] " + line);
                    }
                }
            } catch (IOException ignored) {
                // gone
            } finally {
                ready.complete(false);
            }
        });
        boolean ok;
        try {
            ok = ready.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            ok = false;
        }
        if (!ok) {
            Cmd.kill(p);
            throw new IllegalStateException("nf_conntrack_max watchdog did not start");
        }
        return p;
    }

    /** argv: path original lowered maxHoldSeconds. Restores path to original on stdin EOF or after maxHold. */
    static final String WATCHDOG = """
            import os, select, sys
            path, orig, low, hold = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
            print('ready', flush=True)
            try:
                select.select([sys.stdin], [], [], hold)
            except (OSError, KeyboardInterrupt):
                pass
            with open(path) as f:
                cur = f.read().strip()
            if cur == low:
                with open(path, 'w') as f:
                    f.write(orig)
                print('restored %s=%s (the test did not)' % (path, orig), flush=True)
            """;
}
