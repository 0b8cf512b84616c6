package io.sgagent.metrics;

import java.time.Duration;
import java.util.function.Supplier;

/** A value read at most once per TTL however many meters ask for it. Thread-safe: {@code get} is synchronized. */
final class CachedValue<T> {
    private final Supplier<T> source;
    private final long ttlNanos;
    private T value;
    private long readAt;

    CachedValue(Supplier<T> source, Duration ttl) {
        this.source = source;
        this.ttlNanos = ttl.toNanos();
    }

    synchronized T get() {
        long now = System.nanoTime();
        if (value == null || now - readAt >= ttlNanos) {
            value = source.get();
            readAt = now;
        }
        return value;
    }
}
