package io.sgagent.reconcile;

import io.sgagent.compiler.ChainNames;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelApplyException;
import io.sgagent.netfilter.KernelReader;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernel figures for the API and metrics: conntrack pressure, notrack set sizes, per-VM drop counters. Reads
 * only, from the kernel and the published snapshot.
 *
 * <p>Thread-safe: stateless; never takes the write lock, so a status read never waits for an apply.
 */
final class KernelStatus {
    private static final Logger log = LoggerFactory.getLogger(KernelStatus.class);
    private final ConntrackClient conntrack;
    private final KernelReader kernel;
    private final Supplier<Snapshot> programmed;

    KernelStatus(ConntrackClient conntrack, KernelReader kernel, Supplier<Snapshot> programmed) {
        this.conntrack = conntrack;
        this.kernel = kernel;
        this.programmed = programmed;
    }

    ConntrackReport conntrack() {
        ConntrackClient.Figures figures = conntrack.read();
        Snapshot current = programmed.get();
        Map<String, Set<String>> kernelSets = null;
        try {
            kernelSets = kernel.sets(ChainNames.PREFIX);
        } catch (KernelApplyException e) {
            log.debug("cannot read sets, reporting the desired size: {}", e.getMessage());
        }
        Map<String, Long> setSizes = new TreeMap<>();
        for (Family family : Family.values()) {
            String setName = ChainNames.notrackSet(family);
            long size = kernelSets != null ? kernelSets.getOrDefault(setName, Set.of()).size()
                    : current.ruleset().sets().stream().filter(s -> s.name().equals(setName))
                            .mapToLong(s -> s.members().size()).sum();
            setSizes.put(family.label(), size);
        }
        double usage = figures.limit() > 0 ? (double) figures.entries() / figures.limit() : 0.0;
        return new ConntrackReport(figures.entries(), figures.limit(), usage, setSizes, figures.stats());
    }

    /**
     * Packets and bytes each VM's rules dropped: ingress = its default deny, egress = its default deny plus its
     * NICs' anti-spoofing drops. Reads counters only (two processes).
     */
    Map<String, VmDrops> drops() {
        Snapshot current = programmed.get();
        Map<String, long[]> counters = kernel.finalDropCounters(ChainNames.PREFIX);
        Map<String, VmDrops> drops = new TreeMap<>();
        for (Vm vm : current.host().vms().values()) {
            long[] in = counters.getOrDefault(ChainNames.ingress(vm.name()), new long[2]);
            long[] out = counters.getOrDefault(ChainNames.egress(vm.name()), new long[2]).clone();
            for (var nic : vm.nics()) {
                long[] spoof = counters.getOrDefault(ChainNames.antiSpoof(nic.device()), new long[2]);
                out[0] += spoof[0];
                out[1] += spoof[1];
            }
            drops.put(vm.name(), new VmDrops(in[0], in[1], out[0], out[1]));
        }
        return drops;
    }
}
