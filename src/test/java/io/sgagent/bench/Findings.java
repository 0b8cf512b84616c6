package io.sgagent.bench;

import java.util.Locale;
import java.util.Map;

/** The bottleneck analysis of a run, written from its figures (so it stays true when the figures change). */
final class Findings {
    private Findings() {
    }

    static String text(Results r) {
        StringBuilder out = new StringBuilder("### Findings\n\n");
        double netns = r.netnsExecMs;
        double[] list = r.toolsPerUpdate.get("conntrack -L");
        double restore = 0;
        for (String tool : new String[] {"iptables-restore", "ip6tables-restore", "ebtables-nft-restore"}) {
            double[] t = r.toolsPerUpdate.get(tool);
            if (t != null) {
                restore += t[0] * (t[1] + netns);
            }
        }
        double processes = 0;
        for (double[] t : r.toolsPerUpdate.values()) {
            processes += t[0];
        }
        if (processes > 0) {
            out.append(String.format(Locale.ROOT, "- **An update starts %.0f processes, of which only %s write the"
                            + " kernel.** The restores of the diff cost %.1f ms per update (incl. `ip netns exec`);"
                            + " the rest of the update's %s is the other processes, the state file (written and"
                            + " fsynced before the kernel) and HTTP.%n", processes,
                    writers(r.toolsPerUpdate), restore, Report.ms(r.diagUpdateMs)));
        }
        if (list != null) {
            double cost = list[0] * (list[1] + netns);
            String verdict = cost >= restore ? "costs more than the kernel writes"
                    : cost >= 0.5 * restore ? "costs almost as much as the kernel writes" : "adds to every update";
            out.append(String.format(Locale.ROOT, "- **`conntrack -L` %s: %.0f calls per update, %.1f ms each"
                            + " (+%.1f ms `ip netns exec`) = %.0f ms per update.** They come from"
                            + " `HostReconciler.cutFlowsNoLongerAllowed` (B6): for each address of the VM it lists,"
                            + " one `conntrack -L -s` and one `-d`, after every PUT whose new rules"
                            + " may take something away (this benchmark's update moves a port, so it does); the caller"
                            + " gets its answer only after them. Each call dumps the namespace's whole table and the"
                            + " tool filters the addresses in user space, so its cost grows with the table, not with"
                            + " the VM: with %d entries in the table an update took p50 %s (vs %s with an empty"
                            + " table). A host whose table is filling up, the situation notrack exists for, then gets"
                            + " slow security-group updates.%n", verdict, list[0], list[1], netns, cost,
                    r.pressureEntries, Report.ms(Report.p50(r.updateUnderPressureMs)),
                    Report.ms(Report.p50(r.updateMs))));
            out.append("  Remedies: list once per family for all addresses of a batch instead of twice per address"
                    + " and write; answer the PUT before cutting (the cut does not decide the status code); or dump"
                    + " through a netlink socket of the agent with a kernel-side filter (CTA_FILTER) instead of one"
                    + " process per address.\n");
        }
        double[] burstList = r.toolsPerBurst.get("conntrack -L");
        if (list != null && burstList != null) {
            out.append(String.format(Locale.ROOT, "- **In a burst every write still pays its own cleanup.** In the"
                            + " traced burst of %d, the writers ran %.0f `conntrack -L` (%.0f per write) taking %.1f ms"
                            + " each on average, against %.1f ms during the sequential updates: the listings of"
                            + " concurrent writes compete for the same CPUs. The %d-PUT burst runs about %.0f of"
                            + " them; that, more than its %s kernel transactions (about %s at the mean apply time of"
                            + " section 2), is what its p99 of %s is made of.%n", r.diagBurstSize, burstList[0],
                    burstList[0] / Math.max(1, r.diagBurstSize), burstList[1], list[1], r.burstSize,
                    r.burstSize * list[0], Report.num(r.burstTransactions, 0),
                    Report.ms(r.burstTransactions * r.updateApplyMsMean), Report.ms(Report.p99(r.burstMs))));
        }
        if (r.burstBatches != null && r.burstTransactions > 10) {
            out.append(String.format(Locale.ROOT, "- **The burst of %d took %s kernel transactions.** %d of them"
                            + " carried several writes (median %.0f, largest %.0f writes), the other %s one write"
                            + " each: after the first large batch, writes reached the writer a few at a time. A request"
                            + " whose write another thread has already applied still takes the write lock once to"
                            + " notice (`HostReconciler.submit`), so its Tomcat worker waits for whatever batch holds"
                            + " the lock next, and Tomcat serves 200 requests at a time, so the requests beyond those"
                            + " are read only as workers come free. Checked separately on the writer before commit"
                            + " b7fe2ea (2026-11-26, a 600-VM host, `-Dbench.agentArgs=--server.tomcat.threads.max=600`):"
                            + " the same 500-PUT burst took 3 transactions, where the 1000-VM runs of that version with"
                            + " Tomcat's default took 76 to 105. Letting a writer wait on its"
                            + " own write's completion instead of on the lock would keep batches large without more"
                            + " threads. The count varies from run to run with the timing of the arrivals.%n",
                    r.burstSize, Report.num(r.burstTransactions, 0), r.burstBatches.n(), r.burstBatches.p50(),
                    r.burstBatches.max(), Report.num(r.burstTransactions - r.burstBatches.n(), 0)));
        }
        if (r.floorDiffMs != null && !Double.isNaN(r.floorDiffEmptyTableMs)) {
            out.append(String.format(Locale.ROOT, "- **The floor itself misses 50 ms at this scale.** Restoring the"
                            + " one-VM diff (%d lines) costs %s (p50) on the 1000-VM host but %s into empty tables:"
                            + " iptables-nft reads the table back for every `--noflush` transaction, so even a"
                            + " two-chain change pays for the %d + %d rules already loaded. Below that floor only a"
                            + " different kernel interface helps (one `nft` transaction, or a long-lived netlink"
                            + " session instead of a process per restore).%n", r.predictedDiffLines,
                    Report.ms2(Report.p50(r.floorDiffMs)), Report.ms2(r.floorDiffEmptyTableMs), r.ruleLinesV4,
                    r.ruleLinesV6));
        }
        double[] sysctl = r.toolsPerUpdate.get("sysctl");
        if (sysctl != null) {
            out.append(String.format(Locale.ROOT, "- `sysctl` (bridge-nf check) runs %.0f time(s) per apply: %.1f ms"
                    + " each with `ip netns exec`; it could be read from `/proc/sys` of the namespace, or once per"
                    + " drift check.%n", sysctl[0], sysctl[1] + netns));
        }
        out.append(String.format(Locale.ROOT, "- `ip netns exec` costs %.1f ms per process here (it remounts /sys"
                + " in a new mount namespace). In production the agent runs in the hypervisor's own namespace"
                + " without it; a benchmark of the named-namespace mode pays it on every process.%n", netns));
        if (!Double.isNaN(r.coldFullPutMs) && !Double.isNaN(r.coldFullPutApplySeconds)) {
            double apply = r.coldFullPutApplySeconds * 1000;
            double store = r.hostPutStoreOnlyMs - r.hostPutNoopMs;
            String heading = apply >= 0.5 * r.coldFullPutMs
                    ? String.format(Locale.ROOT, "Cold programming (%s): %.0f %% is the kernel apply.", Report.ms(
                            r.coldFullPutMs), 100 * apply / r.coldFullPutMs)
                    : String.format(Locale.ROOT, "Cold programming (%s) is mostly not the kernel.",
                            Report.ms(r.coldFullPutMs));
            out.append(String.format(Locale.ROOT, "- **%s** The kernel"
                            + " apply (read-back of the empty namespace, `ipset restore`, three restores) took %s"
                            + " against a raw-restore floor of %s. Decomposed through the API on the same agent: the"
                            + " same host state once more, which writes neither files nor rules, took %s (HTTP, %d"
                            + " KiB of JSON, validation, compiling and diffing the whole host); the same rules with a"
                            + " new seq for every VM, which rewrites the %d state files but no rule, took %s, so the"
                            + " state files cost about %s: `FileStateStore` writes a transaction's files as one batch"
                            + " (written and fsynced side by side, renamed, one directory fsync), beside the compile."
                            + " The remaining %s of the first request is what the same work costs in a JVM that has"
                            + " just started (class loading, JIT).%n",
                    heading, Report.ms(apply), Report.ms(Report.p50(r.floorAllMs)),
                    Report.ms(r.hostPutNoopMs), r.hostBodyBytes / 1024, r.vms, Report.ms(r.hostPutStoreOnlyMs),
                    Report.ms(store), Report.ms(r.coldFullPutMs - apply - store - r.hostPutNoopMs)));
        }
        String[] endToEnd = jmh(r, "updateOneVmEndToEnd");
        String[] compile = jmh(r, "compile1000Vms");
        String[] diff = jmh(r, "renderDiffOneVm");
        if (endToEnd != null && compile != null && diff != null) {
            out.append(String.format(Locale.ROOT, "- CPU per update (JMH, no kernel): every apply compiles the whole"
                            + " host (%s %s for 1000 VMs) and diffs every chain against the last ruleset (%s %s), so"
                            + " the CPU part of a one-VM update (%s %s end to end) grows with the number of VMs even"
                            + " though the restore lines do not. Compiling only the changed VM's chains (and the"
                            + " dispatch and set entries it touches) would make it constant.%n", compile[1], compile[3],
                    diff[1], diff[3], endToEnd[1], endToEnd[3]));
        }
        if (!Double.isNaN(r.rssAfterBurstMb) && !Double.isNaN(r.heapLiveMb)) {
            out.append(String.format(Locale.ROOT, "- **Memory: RSS %s after the burst (%s right after a restart),"
                            + " while only %s of heap was live after a full GC.** The heap had grown to its limit (%s"
                            + " committed; G1 keeps what it committed) and the rest of the RSS lies outside the heap"
                            + " (metaspace, code cache, thread stacks, malloc arenas; not broken down here). With"
                            + " the chart's 384 MiB heap the 300 MB target cannot be met; a heap limit near twice the"
                            + " live set (e.g. `-Xmx256m`, or a lower `-XX:MaxRAMPercentage`) and fewer Tomcat"
                            + " threads would be the first things to try, each re-measured with this benchmark.%n",
                    Report.mb(r.rssAfterBurstMb), Report.mb(r.restartRssMb), Report.mb(r.heapLiveMb),
                    Report.mb(r.heapCommittedMb)));
        }
        out.append('\n');
        return out.toString();
    }

    private static String[] jmh(Results r, String benchmark) {
        for (String[] j : r.jmh) {
            if (j[0].endsWith("." + benchmark)) {
                return j;
            }
        }
        return null;
    }

    private static String writers(Map<String, double[]> tools) {
        double n = 0;
        for (Map.Entry<String, double[]> e : tools.entrySet()) {
            if (e.getKey().endsWith("-restore") || e.getKey().equals("ipset restore")) {
                n += e.getValue()[0];
            }
        }
        return String.format(Locale.ROOT, "%.0f", n);
    }

    private static String restoreCalls(Map<String, double[]> tools) {
        return writers(tools);
    }
}
