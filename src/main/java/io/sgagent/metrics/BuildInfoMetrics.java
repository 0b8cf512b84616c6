package io.sgagent.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.NonNull;

/**
 * {@code sgagent_build_info{version,commit,iptables} 1}: which build runs on which host, and which iptables
 * backend it programs, as one constant series to join other series against
 * ({@code ... * on(instance) group_left(version) sgagent_build_info}) or to count versions during a rollout.
 *
 * <p>Immutable and thread-safe.
 *
 * @param version  the project version of the build (META-INF/build-info.properties), "unknown" without one
 * @param commit   the commit it was built from (build property {@code commit}), "unknown" without one
 * @param iptables the iptables backend in use, as {@code iptables -V} names it ("nf_tables" or "legacy")
 */
public record BuildInfoMetrics(String version, String commit, String iptables) implements MeterBinder {
    static final String UNKNOWN = "unknown";

    public BuildInfoMetrics {
        version = orUnknown(version);
        commit = orUnknown(commit);
        iptables = orUnknown(iptables);
    }

    private static String orUnknown(String value) {
        return value == null || value.isBlank() ? UNKNOWN : value.strip();
    }

    @Override
    public void bindTo(@NonNull MeterRegistry registry) {
        Gauge.builder("sgagent.build.info", () -> 1)
                .description("Always 1; the labels say which build runs and which iptables backend it programs")
                .tag("version", version)
                .tag("commit", commit)
                .tag("iptables", iptables)
                .register(registry);
    }
}
