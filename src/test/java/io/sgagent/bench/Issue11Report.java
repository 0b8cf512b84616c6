package io.sgagent.bench;

import static io.sgagent.bench.Report.mb;
import static io.sgagent.bench.Report.ms;
import static io.sgagent.bench.Report.ms2;
import static io.sgagent.bench.Report.num;
import static io.sgagent.bench.Report.p99;
import static io.sgagent.bench.Report.verdict;

import java.util.Locale;

/**
 * The section of docs/benchmarks.md for issue 11 (a real hypervisor: the N ports, the drift check on, the production
 * JVM options): each target next to the floor measured in the same run, then how each figure was taken.
 */
final class Issue11Report {
    private final Results r;

    Issue11Report(Results results) {
        this.r = results;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## Issue 11: a real hypervisor\n\n");
        md.append(String.format(Locale.ROOT, "The hypervisor namespace holds the %d VM ports (veth ends on the bridge,"
                        + " created with one `ip -batch` in %s; %d IPv6 link-local addresses, as tap ports have)."
                        + " The agent runs as `java @%s -jar sg-agent.jar` with the drift check %s.%n%n", r.vms,
                Report.sec(r.portsSeconds), r.linkLocalAddresses, "config/jvm.options",
                HypervisorBenchmark.driftSetting()));
        md.append("| figure | measured | floor (same run) | target | met |\n|---|---|---|---|---|\n");
        double cold = r.coldFullPutMs / Report.p50(r.floorIpMs);
        String samples = r.coldFullPutSamplesMs.size() < 2 ? ms(r.coldFullPutMs)
                : ms(r.coldFullPutMs) + " (median of " + r.coldFullPutSamplesMs.size() + " just-started agents: "
                        + String.join(" / ", r.coldFullPutSamplesMs.stream().map(Report::ms).toList()) + ")";
        row(md, "cold `PUT /api/v1/vms`, " + r.vms + " VMs", samples,
                "raw `iptables-restore` + `ip6tables-restore` of the same dump into a namespace with the ports"
                        + " (median of " + (r.floorIpMs == null ? 0 : r.floorIpMs.n()) + "): "
                        + ms(Report.p50(r.floorIpMs)) + " (agent = " + num(cold, 2) + "x)",
                "<= 1.3x floor", verdict(cold <= 1.3, cold));
        double upd = p99(r.updateMs) / p99(r.floorDiffMs);
        row(md, "one-VM update, p50 / p90 / p99", triple(r.updateMs),
                "raw `--noflush` restore of the same diff, interleaved: " + triple(r.floorDiffMs) + " (p99 agent = "
                        + num(upd, 1) + "x)", "p99 <= 2x floor p99", verdict(upd <= 2, upd));
        if (r.updateUnderPressureMs != null) {
            double pr = p99(r.updateUnderPressureMs) / p99(r.updateMs);
            row(md, "one-VM update with " + r.pressureEntries + " conntrack entries, p50 / p90 / p99 ("
                            + r.updateUnderPressureMs.n() + " samples)", triple(r.updateUnderPressureMs),
                    "raw restore " + triple(r.floorUnderPressureMs) + "; p99 = " + num(pr, 2)
                            + "x the empty-table p99", "p99 <= 1.3x empty-table p99", verdict(pr <= 1.3, pr));
        } else {
            row(md, "one-VM update with 200,000 conntrack entries", "not measured", "see the notes", "", "");
        }
        row(md, "RSS after the run", mb(r.rssAfterRunMb) + " (peak " + mb(r.peakRssMb) + ")",
                "live heap " + mb(r.heapLiveAfterRunMb) + ", heap committed " + mb(r.heapCommittedAfterRunMb),
                "< 300 MiB", verdict(r.rssAfterRunMb < 300, r.rssAfterRunMb));
        String hold = r.driftMetricsPresent
                ? "lock wait mean " + ms2(r.lockWaitMeanMs) + ", max " + ms2(r.lockWaitMaxMs)
                : "slowest update - median: " + ms(r.driftPutExcessMs);
        row(md, "drift check hold time", hold, "the dumps a drift check reads: " + ms(r.driftSaveMs)
                + (Double.isNaN(r.driftCheckMeanMs) ? "" : "; drift check mean " + ms(r.driftCheckMeanMs) + ", max "
                + ms(r.driftCheckMaxMs)), "writes never wait for a drift check", "");
        if (!Double.isNaN(r.narrowAllMs)) {
            row(md, "`PUT /api/v1/vms` narrowing all " + r.vms + " VMs (one ingress port each), " + r.clearAllEntries
                            + " conntrack entries", ms(r.narrowAllMs), "every VM's flows judged (B6) from one listing"
                            + " of the table: no per-VM listings", "", "");
        }
        if (!Double.isNaN(r.clearAllMs)) {
            row(md, "`PUT /api/v1/vms` removing all " + r.vms + " VMs, " + r.clearAllEntries + " conntrack entries",
                    ms(r.clearAllMs), "the flows of every removed address are flushed (B7): one listing of the table,"
                            + " then deletes by address only for the addresses it holds", "", "");
        }
        md.append('\n');

        md.append("How each figure was taken:\n\n");
        md.append(String.format(Locale.ROOT, "- **Cold:** `PUT /api/v1/vms` with every VM (%d KiB) into an agent's"
                        + " empty namespace, by %d agents in turn, each just started in its own namespace with the"
                        + " ports (the figure is their median; the hypervisor's agent is the last); %s kernel"
                        + " applies, %s restore lines. The floor restores the agent's own"
                        + " `iptables-save`/`ip6tables-save` output into fresh namespaces holding the same %d ports"
                        + " (sets restored first; median of %d).%n", r.hostBodyBytes / 1024,
                Math.max(1, r.coldFullPutSamplesMs.size()), num(r.coldFullPutApplies, 0),
                num(r.coldFullPutRestoreLines, 0), r.vms, r.floorIpMs == null ? 0 : r.floorIpMs.n()));
        if (!Double.isNaN(r.coldKernelMs)) {
            boolean beside = !Double.isNaN(r.coldStoreWaitMs);
            double storeOnPath = beside ? r.coldStoreWaitMs : r.coldStoreMs;
            String store = beside
                    ? String.format(Locale.ROOT, "store %s beside the compile (%d state files in one batch, each"
                    + " fsynced; the kernel write waited %s for it after the compile)", ms(r.coldStoreMs), r.vms,
                    ms(r.coldStoreWaitMs))
                    : String.format(Locale.ROOT, "store %s (%d state files, each fsynced)", ms(r.coldStoreMs), r.vms);
            md.append(String.format(Locale.ROOT, "  Inside the agent (its DEBUG line): compile %s, %s, kernel %s (sets, then the three families side by side, each"
                            + " rendered straight into its restore tool's input); the remaining %s are HTTP, JSON"
                            + " parsing and validation, the port check and the answer (of the hypervisor agent's %s)."
                            + " The floor is two restores one after the other on an otherwise idle machine; the agent"
                            + " runs the same restores side by side (its kernel phase is %s of the floor) after"
                            + " parsing, compiling and storing a whole host on a cold JVM, on the same %s CPUs.%n",
                    ms(r.coldCompileMs), store, ms(r.coldKernelMs),
                    ms(r.coldHvPutMs - r.coldCompileMs - storeOnPath - r.coldKernelMs), ms(r.coldHvPutMs),
                    num(r.coldKernelMs / Report.p50(r.floorIpMs), 2) + "x", r.machine.getOrDefault("nproc", "?")));
        }
        md.append(String.format(Locale.ROOT, "- **Update:** %d × `PUT /api/v1/vms/%s` changing one rule's port; after"
                        + " each, the same diff text (%d lines, predicted with the agent's compiler and renderer)"
                        + " through `iptables-restore --noflush` and `ip6tables-restore --noflush` the way the agent"
                        + " starts them (`ip netns exec`, stdin from a file). Agent and floor alternate in one loop."
                        + " %s drift checks ran during the loop (`sgagent_drift_check_seconds_count`, n/a without the"
                        + " metric).%n", r.updateMs == null ? 0 : r.updateMs.n(),
                BenchHost.name(Math.min(HypervisorBenchmark.UPDATE_VM, r.vms)), r.predictedDiffLines,
                r.driftMetricsPresent ? num(r.driftChecksDuringUpdates, 0) : "n/a"));
        md.append(String.format(Locale.ROOT, "- **Conntrack:** the hypervisor namespace's table pre-filled with %d"
                        + " ESTABLISHED entries by `conntrack -R` (%s); `nf_conntrack_max` (%d) only read. The same"
                        + " interleaved loop.%n", r.prefillEntries, Report.sec(r.prefillSeconds), r.conntrackMax));
        md.append("- **Memory:** `VmRSS` after everything above; live heap = sum of `jcmd GC.class_histogram` (it"
                + " runs a full GC first); committed heap from `jcmd GC.heap_info`.\n");
        md.append(String.format(Locale.ROOT, "- **Drift hold:** updates back to back for %s s (more than two drift"
                        + " intervals): %s; the slowest minus the median estimates how long a write waited for a drift"
                        + " check. The dumps a drift check reads (`iptables-save`, `ip6tables-save`, `ipset save`,"
                        + " `ebtables-nft-save`, median of 3) take %s.%n%n", num(r.driftWindowSeconds, 0),
                r.driftWindowPuts == null ? "n/a" : r.driftWindowPuts.n() + " updates, p50 "
                        + ms(r.driftWindowPuts.p50()) + ", p90 " + ms(r.driftWindowPuts.p90()) + ", max "
                        + ms(r.driftWindowPuts.max()), ms(r.driftSaveMs)));
        if (!r.histogram.isEmpty()) {
            md.append("Largest live classes after the run (`jcmd GC.class_histogram`):\n\n"
                    + "| class | instances | MiB |\n|---|---|---|\n");
            for (String[] h : r.histogram) {
                md.append("| `").append(h[0]).append("` | ").append(h[1]).append(" | ")
                        .append(num(Long.parseLong(h[2]) / 1048576.0, 1)).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static String triple(Stats s) {
        return s == null ? "n/a" : ms(s.p50()) + " / " + ms(s.p90()) + " / " + ms(s.p99());
    }

    private static void row(StringBuilder md, String... cells) {
        md.append('|');
        for (String c : cells) {
            md.append(' ').append(c).append(" |");
        }
        md.append('\n');
    }
}
