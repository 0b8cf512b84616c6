package io.sgagent.netfilter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs independent kernel-tool calls side by side and waits for all of them: the IPv4, IPv6 and bridge restores
 * of one transaction, the bridge-nf check next to them, the two connmark listings of a flow cleanup. Each call is
 * a separate process that spends most of its time in its own parsing and netlink round trips, so on a host with
 * two or more cores they overlap almost fully: an update costs the slowest call instead of the sum.
 *
 * <p>The first call runs on the caller's thread; the others on a small pool of daemon threads
 * ({@code sgagent-tool-N}) that exist only while there is work (they end after 30 s idle). When the pool is busy
 * the caller runs the call itself, so a call never waits for a free thread.
 *
 * <p>Thread-safe.
 */
public final class ToolCalls {
    /** A call that may fail the way a kernel tool fails. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws KernelApplyException;
    }

    /** What one call produced: its value, or the refusal it ended with. */
    public record Outcome<T>(T value, KernelApplyException failure) {
        public boolean ok() {
            return failure == null;
        }
    }

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, 6, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "sgagent-tool-" + THREADS.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.CallerRunsPolicy());

    private ToolCalls() {
    }

    /**
     * Starts one read-only call ahead of the moment its caller needs the result (the links of the namespace while a
     * host state is validated); on the pool, or on the caller when the pool is busy.
     */
    public static <T> CompletableFuture<T> ahead(Supplier<T> read) {
        return CompletableFuture.supplyAsync(read, POOL);
    }

    /**
     * Runs every call and returns their outcomes in the order given, once all have ended: a failed call never
     * leaves another one still writing behind the caller's back. An unchecked exception of a call is rethrown
     * after all have ended.
     */
    public static <T> List<Outcome<T>> all(List<Call<T>> calls) {
        List<Future<Outcome<T>>> started = new ArrayList<>();
        for (int i = 1; i < calls.size(); i++) {
            Call<T> call = calls.get(i);
            started.add(POOL.submit(() -> attempt(call)));
        }
        List<Outcome<T>> outcomes = new ArrayList<>();
        RuntimeException unchecked = null;
        try {
            outcomes.add(calls.isEmpty() ? null : attempt(calls.get(0)));
        } catch (RuntimeException e) {
            unchecked = e;
            outcomes.add(null);
        }
        boolean interrupted = false;
        for (Future<Outcome<T>> future : started) {
            while (true) {
                try {
                    outcomes.add(future.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the call is a process with its own timeout: wait for it to end
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (unchecked == null) {
                        unchecked = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                    }
                    outcomes.add(null);
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (unchecked != null) {
            throw unchecked;
        }
        return calls.isEmpty() ? List.of() : outcomes;
    }

    /** {@link #all} for calls that must all succeed: the first failure, in the order given, is thrown. */
    public static <T> List<T> allOrFail(List<Call<T>> calls) throws KernelApplyException {
        List<T> values = new ArrayList<>();
        for (Outcome<T> outcome : all(calls)) {
            if (!outcome.ok()) {
                throw outcome.failure();
            }
            values.add(outcome.value());
        }
        return values;
    }

    private static <T> Outcome<T> attempt(Call<T> call) {
        try {
            return new Outcome<>(call.run(), null);
        } catch (KernelApplyException e) {
            return new Outcome<>(null, e);
        }
    }
}
