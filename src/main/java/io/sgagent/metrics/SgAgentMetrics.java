package io.sgagent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sgagent.model.Family;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.reconcile.ApplyObserver;
import io.sgagent.reconcile.SecurityGroupService;
import io.sgagent.reconcile.VmStatus;
import io.micrometer.core.instrument.Meter;
import io.sgagent.reconcile.VmDrops;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.NonNull;

/**
 * The agent's Prometheus metrics (names in DESIGN §3). Kernel figures come from {@link CachedConntrackReport};
 * apply figures are pushed by the reconciler through {@link ApplyObserver}. Meters are bound to the registry
 * the application context gives us, never to a global one.
 *
 * <p>Thread-safe: counters and timers are Micrometer's own; the last-apply timestamp is an atomic.
 */
public class SgAgentMetrics implements MeterBinder, ApplyObserver {
    private final SecurityGroupService service;
    private final CachedConntrackReport conntrack;
    private final AtomicLong lastApplyEpochMillis = new AtomicLong();
    private Timer applyTimer;
    private Counter applySuccess;
    private Counter applyFailure;
    private Timer writeLockWait;
    private Timer driftCheck;
    private Counter applyFallbacks;
    private MeterRegistry registry;

    private final java.util.function.LongSupplier restoreLines;
    private final CachedValue<Map<String, VmDrops>> drops;
    private final Map<String, List<Meter>> vmMeters = new HashMap<>();
    private final List<Runnable> vmListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public SgAgentMetrics(SecurityGroupService service, CachedConntrackReport conntrack,
                          java.util.function.LongSupplier restoreLines, Supplier<Map<String, VmDrops>> drops) {
        this.service = service;
        this.conntrack = conntrack;
        this.restoreLines = restoreLines;
        this.drops = new CachedValue<>(drops, Duration.ofSeconds(2));
    }

    @Override
    public void bindTo(@NonNull MeterRegistry registry) {
        Gauge.builder("sgagent.conntrack.entries", conntrack, c -> c.get().entries())
                .description("Conntrack entries in the managed network namespace").register(registry);
        Gauge.builder("sgagent.conntrack.entries.limit", conntrack, c -> c.get().limit())
                .description("nf_conntrack_max (host-wide limit every namespace counts against)")
                .register(registry);
        for (String stat : ConntrackClient.STATS) {
            FunctionCounter.builder("sgagent.conntrack." + stat, conntrack,
                            c -> c.get().stats().getOrDefault(stat, 0L))
                    .description("Kernel conntrack statistic " + stat + ", summed over CPUs").register(registry);
        }
        for (Family family : Family.values()) {
            Gauge.builder("sgagent.notrack.set.entries", conntrack,
                            c -> c.get().notrackSetEntries().getOrDefault(family.label(), 0L))
                    .tag("family", family.label())
                    .description("Addresses in the host's notrack set (VMs that bypass conntrack)")
                    .register(registry);
        }
        for (String tracking : new String[] {"untracked", "tracked", "partial"}) {
            Gauge.builder("sgagent.vms", service, s -> s.list().stream().filter(v -> tracking(v).equals(tracking))
                            .count())
                    .tag("tracking", tracking)
                    .description("VMs by conntrack bypass: untracked in both families, tracked, or partial")
                    .register(registry);
        }
        applyTimer = Timer.builder("sgagent.apply").description("Kernel apply duration")
                .publishPercentileHistogram().register(registry);
        applySuccess = Counter.builder("sgagent.apply.total").tag("result", "success")
                .description("Kernel applies by result").register(registry);
        applyFailure = Counter.builder("sgagent.apply.total").tag("result", "failure")
                .description("Kernel applies by result").register(registry);
        FunctionCounter.builder("sgagent.restore.lines", restoreLines, LongSupplierValue::of)
                .description("Lines written to iptables/ip6tables/ebtables/ipset restore: the kernel work of applies")
                .register(registry);
        this.registry = registry;
        for (String kind : new String[] {"chain", "hook", "set", "sysctl"}) {
            driftCounter(kind);
        }
        writeLockWait = Timer.builder("sgagent.write.lock.wait")
                .description("Time a write waited before a holder of the write lock took it up")
                .publishPercentileHistogram().register(registry);
        driftCheck = Timer.builder("sgagent.drift.check")
                .description("Duration of one drift check (kernel read outside the write lock, plus any repair)")
                .publishPercentileHistogram().register(registry);
        applyFallbacks = Counter.builder("sgagent.apply.fallbacks.total")
                .description("Incremental applies that failed and were retried as a full apply").register(registry);
        for (String family : new String[] {"ipv4", "ipv6", "bridge", "ipset"}) {
            applyFailureCounter(family);
        }
        Gauge.builder("sgagent.last.apply.timestamp.seconds", lastApplyEpochMillis, v -> v.get() / 1000.0)
                .description("Unix time of the last successful apply").register(registry);
    }

    @Override
    public void applied(Duration duration, boolean succeeded) {
        if (applyTimer == null) {
            return;
        }
        applyTimer.record(duration);
        (succeeded ? applySuccess : applyFailure).increment();
        if (succeeded) {
            lastApplyEpochMillis.set(System.currentTimeMillis());
        }
    }

    /**
     * Per-VM drop counters exist exactly for the VMs on this host: added when a VM appears, removed when it is
     * deleted, so the label set stays bounded by the host's VMs.
     */
    @Override
    public void vmsChanged() {
        if (registry != null) {
            syncVmMeters();
        }
        vmListeners.forEach(Runnable::run);
    }

    /** Also tell {@code listener} when the set of VMs may have changed (the conntrack guard's per-VM series). */
    public void onVmsChanged(Runnable listener) {
        vmListeners.add(listener);
    }

    synchronized void syncVmMeters() {
        java.util.Set<String> current = new java.util.HashSet<>();
        for (VmStatus status : service.list()) {
            current.add(status.vm().name());
        }
        for (String vm : current) {
            vmMeters.computeIfAbsent(vm, name -> List.of(
                    dropCounter(name, "ingress", "packets", VmDrops::ingressPackets),
                    dropCounter(name, "egress", "packets", VmDrops::egressPackets),
                    dropCounter(name, "ingress", "bytes", VmDrops::ingressBytes),
                    dropCounter(name, "egress", "bytes", VmDrops::egressBytes)));
        }
        for (var it = vmMeters.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!current.contains(entry.getKey())) {
                entry.getValue().forEach(registry::remove);
                it.remove();
            }
        }
    }

    private Meter dropCounter(String vm, String direction, String unit, java.util.function.ToLongFunction<VmDrops> value) {
        return FunctionCounter.builder("sgagent.vm.dropped." + unit, drops,
                        d -> {
                            VmDrops vmDrops = d.get().get(vm);
                            return vmDrops == null ? 0 : value.applyAsLong(vmDrops);
                        })
                .tag("vm", vm).tag("direction", direction)
                .description("Packets/bytes dropped by the VM's default deny and anti-spoofing rules")
                .register(registry);
    }

    @Override
    public void writeLockWaited(Duration waited) {
        if (writeLockWait != null) {
            writeLockWait.record(waited);
        }
    }

    @Override
    public void driftChecked(Duration duration) {
        if (driftCheck != null) {
            driftCheck.record(duration);
        }
    }

    @Override
    public void applyFellBack() {
        if (applyFallbacks != null) {
            applyFallbacks.increment();
        }
    }

    @Override
    public void applyFailed(String family) {
        if (registry != null) {
            applyFailureCounter(family).increment();
        }
    }

    private Counter applyFailureCounter(String family) {
        return Counter.builder("sgagent.apply.failures.total").tag("family", family)
                .description("Transactions a restore tool refused, by family").register(registry);
    }

    @Override
    public void driftRepaired(String kind) {
        if (registry != null) {
            driftCounter(kind).increment();
        }
    }

    private Counter driftCounter(String kind) {
        return Counter.builder("sgagent.drift.repairs.total").tag("object", kind)
                .description("Repairs of kernel objects that drifted from the desired state").register(registry);
    }

    /** Adapter so a LongSupplier can back a FunctionCounter. */
    private static final class LongSupplierValue {
        static double of(java.util.function.LongSupplier supplier) {
            return supplier.getAsLong();
        }
    }

    static String tracking(VmStatus status) {
        if (status.notrackIpv4() && status.notrackIpv6()) {
            return "untracked";
        }
        return status.notrackIpv4() || status.notrackIpv6() ? "partial" : "tracked";
    }
}
