package io.sgagent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sgagent.netfilter.ConntrackTableSize;
import io.sgagent.reconcile.ConntrackQuotas;
import io.sgagent.reconcile.ConntrackReport;
import io.sgagent.reconcile.SecurityGroupService;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jspecify.annotations.NonNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conntrack capacity guard (issue 12): at start and every {@code sgagent.conntrack.guard-interval} it samples
 * the table's limit, hash buckets and entries, the VMs with the most entries (top talkers, at most
 * {@code topTalkers} series so the label set stays bounded) and projects when the table fills. With
 * {@code sgagent.conntrack.manage-limit} it also raises nf_conntrack_max and the hash size when the table runs
 * hot, within {@code sgagent.conntrack.memory-budget}.
 *
 * <p>Thread-safe: {@link #sample()} runs on the guard's one thread (and once at start) under its own lock; the
 * immutable {@link Snapshot} is published through a volatile field, and meters change under this object's
 * monitor, held only briefly.
 */
public class ConntrackCapacityGuard implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(ConntrackCapacityGuard.class);
    /** Share of the limit at which a managed limit is raised; the alert rule fires at the same level. */
    static final double HOT = 0.8;
    /**
     * Kernel memory per entry used for the budget: struct nf_conn with the usual extensions (about 300 bytes on
     * x86-64) plus its share of the hash table (8 bytes per bucket at one bucket per entry), rounded up.
     */
    static final long BYTES_PER_ENTRY = 320;
    private static final int WINDOW = 8;

    private final SecurityGroupService service;
    private final ConntrackQuotas quotas;
    private final LongSupplier buckets;
    private final ConntrackTableSize tableSize;
    private final int topTalkers;
    private final long memoryBudgetBytes;
    private final Clock clock;
    private final Object sampling = new Object();
    private final GrowthProjection projection = new GrowthProjection(WINDOW);
    private final Map<String, Meter> refusedMeters = new HashMap<>();
    private volatile Snapshot snapshot = new Snapshot(0, 0, -1, Double.NaN, List.of(), Map.of(), null);
    private MeterRegistry registry;
    private MultiGauge topGauge;
    private Counter limitRaises;

    /**
     * @param tableSize null unless {@code sgagent.conntrack.manage-limit} is on
     */
    public ConntrackCapacityGuard(SecurityGroupService service, ConntrackQuotas quotas, LongSupplier buckets,
                                  ConntrackTableSize tableSize, int topTalkers, long memoryBudgetBytes, Clock clock) {
        this.service = service;
        this.quotas = quotas;
        this.buckets = buckets;
        this.tableSize = tableSize;
        this.topTalkers = topTalkers;
        this.memoryBudgetBytes = memoryBudgetBytes;
        this.clock = clock;
    }

    /**
     * One guard sample.
     *
     * @param entries       entries in the managed namespace
     * @param limit         nf_conntrack_max
     * @param buckets       hash buckets (nf_conntrack_buckets); -1 if unknown
     * @param secondsToFull projected seconds until entries reach the limit: +Infinity when not growing, NaN
     *                      before two samples
     * @param top           the top talkers, most entries first
     * @param refused       refused connections per VM with a quota
     * @param at            when it was taken; null before the first sample
     */
    public record Snapshot(long entries, long limit, long buckets, double secondsToFull,
                           List<Map.Entry<String, Long>> top, Map<String, Long> refused, Instant at) {
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Takes a sample, updates the projection and the per-VM meters, and raises a managed limit if hot. Runs the
     * census (seconds on a big table) under its own lock only, so {@link #vmsChanged} never waits for it.
     */
    public void sample() {
        synchronized (sampling) {
            Instant now = clock.instant();
            ConntrackReport report = service.conntrack();
            ConntrackQuotas.Tally tally = quotas.tally();
            projection.add(now.toEpochMilli() / 1000.0, report.entries());
            double toFull = projection.secondsToFull(report.entries(), report.limit());
            Map<String, Long> refused = quotas.refusals();
            publish(new Snapshot(report.entries(), report.limit(), buckets.getAsLong(), toFull,
                    tally.top(topTalkers), Map.copyOf(refused), now));
            if (tableSize != null && report.limit() > 0 && report.entries() >= HOT * report.limit()) {
                raiseLimit(report);
            }
        }
    }

    /**
     * The set of VMs changed: drop the series of VMs that are gone now rather than at the next sample, so a
     * deleted VM leaves no trace in the scrape. Quick and kernel-free (called on the writer thread).
     */
    public void vmsChanged() {
        Set<String> vms = new HashSet<>();
        service.list().forEach(status -> vms.add(status.vm().name()));
        Snapshot current = snapshot;
        Map<String, Long> refused = new HashMap<>(current.refused());
        refused.keySet().retainAll(vms);
        publish(new Snapshot(current.entries(), current.limit(), current.buckets(), current.secondsToFull(),
                current.top().stream().filter(e -> vms.contains(e.getKey())).toList(), Map.copyOf(refused),
                current.at()));
    }

    private synchronized void publish(Snapshot next) {
        snapshot = next;
        if (registry != null) {
            publishTop();
            syncRefusedMeters(next.refused());
        }
    }

    /** Doubles nf_conntrack_max (and the hash size with it) up to the memory budget; logged and counted. */
    void raiseLimit(ConntrackReport report) {
        long ceiling = memoryBudgetBytes / BYTES_PER_ENTRY;
        long current = tableSize.max();
        long target = Math.min(current * 2, ceiling);
        if (current <= 0 || target <= current) {
            log.warn("conntrack table at {} of {} entries, but the memory budget ({} bytes) allows no more",
                    report.entries(), report.limit(), memoryBudgetBytes);
            return;
        }
        try {
            // Buckets first: a longer table on the old hash would only lengthen every bucket's chain.
            if (tableSize.hashSize() > 0 && tableSize.hashSize() < target) {
                tableSize.setHashSize(target);
            }
            tableSize.setMax(target);
            log.warn("conntrack table at {} of {} entries: raised nf_conntrack_max to {} (memory budget {} bytes)",
                    report.entries(), current, target, memoryBudgetBytes);
            if (limitRaises != null) {
                limitRaises.increment();
            }
        } catch (IOException e) {
            log.error("cannot raise nf_conntrack_max to {} (the agent must run in the initial network namespace): "
                    + "{}", target, e.getMessage());
        }
    }

    @Override
    public synchronized void bindTo(@NonNull MeterRegistry registry) {
        Gauge.builder("sgagent.conntrack.buckets", this, g -> g.snapshot().buckets())
                .description("Hash buckets of the conntrack table (nf_conntrack_buckets)").register(registry);
        Gauge.builder("sgagent.conntrack.time.to.full", this, g -> g.snapshot().secondsToFull())
                .baseUnit("seconds")
                .description("Projected seconds until the conntrack table is full, from the growth over the last "
                        + WINDOW + " guard samples; +Inf when not growing").register(registry);
        topGauge = MultiGauge.builder("sgagent.vm.conntrack.entries")
                .description("Conntrack entries of the VMs with the most entries (top talkers only)")
                .register(registry);
        limitRaises = Counter.builder("sgagent.conntrack.limit.raises")
                .description("Times the guard raised nf_conntrack_max (sgagent.conntrack.manage-limit)")
                .register(registry);
        this.registry = registry;
        publishTop();
        syncRefusedMeters(snapshot.refused());
    }

    private void publishTop() {
        topGauge.register(snapshot.top().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("vm", e.getKey()), e.getValue()))
                .toList(), true);
    }

    /** One refused counter per VM with a quota: added when its quota appears, removed with it. */
    private void syncRefusedMeters(Map<String, Long> refused) {
        for (String vm : refused.keySet()) {
            refusedMeters.computeIfAbsent(vm, name -> FunctionCounter.builder("sgagent.vm.conntrack.refused", this,
                            g -> g.snapshot().refused().getOrDefault(name, 0L))
                    .tag("vm", name)
                    .description("New connections refused by the VM's conntrack quota (restarts at 0 when its "
                            + "quota chain is rewritten)")
                    .register(registry));
        }
        for (var it = refusedMeters.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!refused.containsKey(entry.getKey())) {
                registry.remove(entry.getValue());
                it.remove();
            }
        }
    }
}
