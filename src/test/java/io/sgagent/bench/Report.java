package io.sgagent.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Turns {@link Results} into the console table, {@code docs/benchmarks.md} and {@code docs/benchmarks.png}. */
final class Report {
    private final Results r;

    Report(Results results) {
        this.r = results;
    }

    /** One line of the summary: what, measured, comparison, target, verdict. */
    record Row(String what, String measured, String comparison, String target, String verdict) {
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String scale = r.vms + " VMs x " + r.rulesPerVm + " rules";
        rows.add(new Row("1. cold: PUT /api/v1/vms (" + scale + ")", ms(r.coldFullPutMs),
                "raw iptables-restore + ip6tables-restore " + ms(p50(r.floorIpMs)) + " ("
                        + ratio(r.coldFullPutMs, p50(r.floorIpMs)) + "); + ipset + ebtables " + ms(p50(r.floorAllMs)),
                "< 2 s", verdict(r.coldFullPutMs < 2000, r.coldFullPutMs)));
        rows.add(new Row("1. cold: " + r.vms + " x PUT /api/v1/vms/{name} (" + r.coldPutsConcurrency + " concurrent)",
                ms(r.coldPutsMs), num(r.coldPutsApplies, 0) + " kernel transactions, "
                        + (r.coldPutsNon200 == 0 ? "all 200" : r.coldPutsNon200 + " not 200")
                        + ", p99 " + ms(p99(r.coldPutsLatency)), "", ""));
        double speedup = r.perRuleExtrapolatedS * 1000 / r.coldFullPutMs;
        rows.add(new Row("1. cold: one iptables process per rule (extrapolated)", sec(r.perRuleExtrapolatedS),
                String.format(Locale.ROOT, "%s/rule empty table, %s/rule full table; agent is %sx faster",
                        ms2(r.perRuleEmptyMs), ms2(r.perRuleFullMs), num(speedup, 0)),
                ">= 50x faster", verdict(speedup >= 50, speedup)));
        double ratio99 = p99(r.updateMs) / p99(r.floorDiffMs);
        double ratio50 = p50(r.updateMs) / p50(r.floorDiffMs);
        rows.add(new Row("2. one-VM update, p50 / p99", ms(p50(r.updateMs)) + " / " + ms(p99(r.updateMs)),
                "raw restore of the same diff " + ms(p50(r.floorDiffMs)) + " / " + ms(p99(r.floorDiffMs))
                        + String.format(Locale.ROOT, " (agent = %sx / %sx)", num(ratio50, 1), num(ratio99, 1)),
                "p99 < 50 ms, <= 1.5x floor", verdict(p99(r.updateMs) < 50 && ratio99 <= 1.5 && ratio50 <= 1.5,
                        p99(r.updateMs))));
        if (r.updateUnderPressureMs != null) {
            rows.add(new Row("2. one-VM update with " + r.pressureEntries + " conntrack entries, p50 / p99",
                    ms(p50(r.updateUnderPressureMs)) + " / " + ms(p99(r.updateUnderPressureMs)), "", "", ""));
        }
        rows.add(new Row("3. burst of " + r.burstSize + " concurrent PUTs", num(r.burstTransactions, 0)
                + " transactions, p99 " + ms(p99(r.burstMs)),
                r.burstOk + "/" + r.burstSize + " answered 200 with the new seq; all done in " + ms(r.burstWallMs),
                "<= 10 transactions", verdict(r.burstTransactions <= 10 && r.burstOk == r.burstSize,
                        r.burstTransactions)));
        Stats first = find(r.firstPacket, "VM #10");
        Stats last = find(r.firstPacket, "VM #" + r.vms);
        Stats leaf = find(r.firstPacket, "VM #" + HypervisorBenchmark.LAST_LEAF_VM);
        double spread = (p50(last) - p50(first)) / p50(first);
        rows.add(new Row("4. first packet (TCP connect), median", "VM #10 " + us(p50(first)) + ", VM #" + r.vms + " "
                + us(p50(last)), String.format(Locale.ROOT, "%+.1f %%; last device in dispatch order (#999) %s;"
                        + " no firewall %s", spread * 100, us(p50(leaf)), us(p50(find(r.firstPacketBaseline, "VM #10")))),
                "within 10 %", verdict(Math.abs(spread) <= 0.10, spread)));
        rows.add(new Row("5. conntrack entries from " + r.flows + " flows", "untracked " + r.entriesUntracked
                + ", tracked " + r.entriesTracked, "", "", ""));
        rows.add(new Row("5. new connections/s, empty table", "untracked " + num(r.rateUntrackedEmpty, 0)
                + ", tracked " + num(r.rateTrackedEmpty, 0), "", "", ""));
        rows.add(new Row("5. new connections/s, " + (r.prefillEntries > 0 ? r.prefillEntries : "(not)")
                + " entries pre-filled", "untracked " + num(r.rateUntrackedFull, 0) + ", tracked "
                + num(r.rateTrackedFull, 0), "pre-fill by conntrack -R in " + sec(r.prefillSeconds), "", ""));
        rows.add(new Row("6. agent RSS", mb(r.rssAfterBurstMb) + " after the burst, peak " + mb(r.peakRssMb),
                "after restart " + mb(r.restartRssMb) + ", after cold boot " + mb(r.coldBootRssMb), "< 300 MB",
                verdict(r.peakRssMb * 1.048576 < 300, r.peakRssMb)));
        rows.add(new Row("6. startup to readiness with " + r.vms + " VMs stored", ms(r.restartMs)
                + " (kernel already programmed)", ms(r.coldBootMs) + " on an empty kernel; " + ms(r.agentStartEmptyMs)
                + " with no VMs", "", ""));
        return rows;
    }

    String table() {
        List<Row> rows = rows();
        int w0 = 14;
        int w1 = 10;
        int w2 = 10;
        for (Row row : rows) {
            w0 = Math.max(w0, row.what().length());
            w1 = Math.max(w1, row.measured().length());
            w2 = Math.max(w2, row.comparison().length());
        }
        StringBuilder out = new StringBuilder();
        String format = "%-" + w0 + "s | %-" + w1 + "s | %-" + w2 + "s | %-26s | %s%n";
        out.append(String.format(format, "benchmark", "measured", "comparison", "target", "met"));
        out.append("-".repeat(w0 + w1 + w2 + 45)).append('\n');
        for (Row row : rows) {
            out.append(String.format(format, row.what(), row.measured(), row.comparison(), row.target(),
                    row.verdict()));
        }
        if (!r.jmh.isEmpty()) {
            out.append("\nJMH (compiler and diff, no kernel):\n");
            for (String[] j : r.jmh) {
                out.append(String.format("  %-45s %12s +- %-10s %s%n", j[0], j[1], j[2], j[3]));
            }
        }
        for (String note : r.notes) {
            out.append("note: ").append(note).append('\n');
        }
        return out.toString();
    }

    // -------------------------------------------------------------------------------------------- markdown

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Figures of the latest run of the hypervisor benchmark (issues 7 and 11). They are written by the benchmark"
                + " itself; do not edit them by hand, run it again:\n\n```bash\n").append(r.command)
                .append("\n```\n\n");
        md.append("It needs root, the kernel tools of the README's quick start and about ")
                .append(r.totalSeconds > 0 ? Math.round(r.totalSeconds / 60.0 + 2) : 10)
                .append(Knobs.quick() ? " minutes (quick run: no JMH). Run " : " minutes (including the JMH run). Run ").append(r.date).append(", ")
                .append(String.format(Locale.ROOT, "%.0f s", r.totalSeconds)).append(" for the kernel part.\n\n");
        md.append("![benchmark chart](benchmarks.png)\n\n");

        md.append("## Machine\n\n| | |\n|---|---|\n");
        md.append("| date (UTC) | ").append(r.date).append(" |\n");
        for (Map.Entry<String, String> e : r.machine.entrySet()) {
            md.append("| ").append(e.getKey()).append(" | ").append(e.getValue().replace("|", "/")).append(" |\n");
        }
        md.append("\nThe machine is shared: other builds and test suites may have run at the same time (see the load"
                + " averages), so latencies carry noise; the ratios measured side by side in one run are the more"
                + " robust figures.\n\n");

        md.append(new Issue11Report(r).markdown());
        if (Knobs.quick()) {
            // A quick run measures only issue 11's figures; the sections of issue 7 would be empty.
            for (String note : r.notes) {
                md.append("Note: ").append(note).append("\n\n");
            }
            return md.toString();
        }
        md.append("## Results and targets\n\n");
        md.append("| benchmark | measured | comparison | target | met |\n|---|---|---|---|---|\n");
        for (Row row : rows()) {
            md.append("| ").append(row.what()).append(" | ").append(row.measured()).append(" | ")
                    .append(row.comparison()).append(" | ").append(row.target()).append(" | ").append(row.verdict())
                    .append(" |\n");
        }
        for (String note : r.notes) {
            md.append("\nNote: ").append(note).append('\n');
        }

        md.append("\n## The ruleset\n\n");
        md.append(String.format(Locale.ROOT, "%d VMs on one bridge, each with one NIC (`vnet1`...`vnet%d`), one IPv4"
                        + " and one IPv6 address, %d ingress and %d egress rules with one IPv4 and one IPv6 CIDR each;"
                        + " every tenth VM (numbers ending in 5) allows everything and is untracked. The kernel holds"
                        + " %d IPv4 and %d IPv6 rules, %d bridge (ebtables) rules and %d set members; the host-state"
                        + " request body is %d KiB.%n%n", r.vms, r.vms, BenchHost.INGRESS_RULES, BenchHost.EGRESS_RULES,
                r.ruleLinesV4, r.ruleLinesV6, r.bridgeRuleLines, r.setMembers, r.hostBodyBytes / 1024));
        if (r.sameRulesetBothPaths != null) {
            md.append("Both cold paths (one host-state PUT, and ").append(r.vms).append(" single PUTs) left ")
                    .append(r.sameRulesetBothPaths ? "exactly the same" : "DIFFERENT")
                    .append(" `sga-` chains and rules in the kernel (compared line by line).\n\n");
        }

        md.append("## Details\n\n");
        md.append("### 1. Cold programming\n\n");
        md.append("| path | time |\n|---|---|\n");
        md.append("| agent, `PUT /api/v1/vms` with every VM, agent just started | ").append(ms(r.coldFullPutMs))
                .append(" (kernel apply ").append(ms(r.coldFullPutApplySeconds * 1000)).append(", ")
                .append(num(r.coldFullPutRestoreLines, 0)).append(" restore lines) |\n");
        md.append("| the same `PUT /api/v1/vms` once more (no state file, no rule written) | ")
                .append(ms(r.hostPutNoopMs)).append(" |\n");
        md.append("| `PUT /api/v1/vms` with a new seq for every VM (all state files rewritten, no rule changed) | ")
                .append(ms(r.hostPutStoreOnlyMs)).append(" |\n");
        md.append("| agent, ").append(r.vms).append(" x `PUT /api/v1/vms/{name}`, ").append(r.coldPutsConcurrency)
                .append(" concurrent | ").append(ms(r.coldPutsMs)).append(" (").append(num(r.coldPutsApplies, 0))
                .append(" kernel transactions; per request p50 ").append(ms(p50(r.coldPutsLatency))).append(", p99 ")
                .append(ms(p99(r.coldPutsLatency))).append(") |\n");
        md.append("| floor: `iptables-restore` + `ip6tables-restore` of the agent's `*-save` output into a fresh"
                + " namespace (median of 3) | ").append(ms(p50(r.floorIpMs))).append(" |\n");
        md.append("| floor incl. `ipset restore` and `ebtables-nft-restore` (median of 3) | ")
                .append(ms(p50(r.floorAllMs))).append(" |\n");
        md.append("| one `iptables` process per rule (CloudStack's way), extrapolated to ")
                .append(r.ruleLinesV4 + r.ruleLinesV6).append(" rules | ").append(sec(r.perRuleExtrapolatedS))
                .append(" |\n\n");
        md.append(String.format(Locale.ROOT, "Per-rule cost measured with a Python loop of `subprocess.run(['iptables',"
                        + " ...])` inside the namespace: %s per rule for %d rules into an empty table, %s per rule for"
                        + " %d rules into a table that already holds the whole ruleset (iptables-nft reads the table"
                        + " on every call, so each call gets slower as the ruleset grows); the extrapolation uses the"
                        + " mean of both, i.e. assumes the cost grows linearly. The public CloudStack figure quoted in"
                        + " the issue is 4.8 s for 1000 rules (4.8 ms/rule).%n%n", ms2(r.perRuleEmptyMs),
                r.perRuleEmptyCount, ms2(r.perRuleFullMs), r.perRuleFullCount));

        md.append("### 2. One-VM update\n\n");
        md.append(String.format(Locale.ROOT, "%d sequential `PUT /api/v1/vms/vm0500` on the programmed host, each"
                        + " changing the port of one rule and raising seq. The agent wrote %s restore lines per update"
                        + " (`sgagent_restore_lines_total`; the compiler predicts %d: one chain per IP family); its"
                        + " kernel apply (`sgagent_apply_seconds`) took %s on average. The floor is the very same diff"
                        + " text run through `iptables-restore --noflush` and `ip6tables-restore --noflush` the way the"
                        + " agent starts them (`ip netns exec`, stdin from a file), %d times.%n%n",
                r.updateMs == null ? 0 : r.updateMs.n(), num(r.updateRestoreLinesPerUpdate, 0), r.predictedDiffLines,
                ms(r.updateApplyMsMean), r.floorDiffMs == null ? 0 : r.floorDiffMs.n()));
        md.append("| | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n");
        statsRow(md, "agent, through the API", r.updateMs, "ms");
        statsRow(md, "raw restore of the same diff", r.floorDiffMs, "ms");
        if (!Double.isNaN(r.floorDiffEmptyTableMs)) {
            md.append("| the same diff into a namespace with empty tables | ").append(num(r.floorDiffEmptyTableMs, 1))
                    .append(" ms | | | |\n");
        }
        statsRow(md, "agent, " + r.pressureEntries + " conntrack entries in the table", r.updateUnderPressureMs,
                "ms");
        md.append('\n');

        md.append("### 3. Burst\n\n");
        md.append(String.format(Locale.ROOT, "%d PUTs of different VMs released at the same instant (one thread"
                        + " each); the coalescing writer answered them with %s kernel transactions"
                        + " (`sgagent_apply_total`). %d/%d answered 200 with the new seq.%n%n", r.burstSize,
                num(r.burstTransactions, 0), r.burstOk, r.burstSize));
        md.append("| | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n");
        statsRow(md, "latency of each PUT", r.burstMs, "ms");
        if (r.burstBatches != null && r.burstBatches.n() > 0) {
            statsRow(md, "writes per multi-write transaction (" + r.burstBatches.n() + " such transactions, "
                    + r.burstBatchedWrites + " writes; the other " + num(r.burstTransactions - r.burstBatches.n(), 0)
                    + " transactions carried one write each)", r.burstBatches, "");
        }
        md.append('\n');

        md.append("### 4. First packet\n\n");
        md.append("Duration of `connect()` from the remote namespace (behind the bridge's uplink) to a VM's port 80,"
                + " i.e. the SYN and the SYN-ACK crossing the bridge and the agent's rules (raw anti-spoofing and"
                + " notrack decision, `sga-FORWARD` dispatch tree, the VM's ingress chain, whose allow rule for the"
                + " port is its last rule, and the egress chain for the reply). Targets are probed round-robin after"
                + " 20 warm-up connects each; microseconds.\n\n");
        md.append("| target | no firewall: p50 | p90 | with " + r.vms + " VMs programmed: p50 | p90 | failed |\n"
                + "|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Stats> e : r.firstPacket.entrySet()) {
            Stats base = r.firstPacketBaseline.get(e.getKey());
            md.append("| ").append(e.getKey()).append(" | ").append(us(p50(base))).append(" | ")
                    .append(us(base == null ? Double.NaN : base.p90())).append(" | ").append(us(p50(e.getValue())))
                    .append(" | ").append(us(e.getValue().p90())).append(" | ")
                    .append(r.firstPacketFailures.getOrDefault(e.getKey(), 0)).append(" |\n");
        }
        md.append("\nDevices are dispatched by a prefix tree (`DispatchTree`, at most 16 devices per leaf chain)."
                + " Rules a packet evaluates to reach the VM's chain, counted on the compiled ruleset:\n\n"
                + "| VM | towards the VM (`sga-TO-VM`, physdev-out) | from the VM (`sga-FORWARD`, physdev-in) |"
                + " a linear list in VM order |\n|---|---|---|---|\n");
        for (Map.Entry<String, int[]> e : r.dispatch.entrySet()) {
            md.append("| ").append(e.getKey()).append(" | ").append(e.getValue()[0]).append(" | ")
                    .append(e.getValue()[1]).append(" | ").append(e.getValue()[3]).append(" |\n");
        }
        md.append("\nThe tree orders devices by name, so `vnet1000` sits next to `vnet100` and VM #1000 is as"
                + " close as VM #10; the deepest device is the last one in name order (`vnet999`), which is why it"
                + " is measured too.\n\n");

        md.append("### 5. Conntrack\n\n");
        md.append(String.format(Locale.ROOT, "%d TCP connections (connect, close) from the remote to the untracked VM"
                        + " #5 and to the tracked VM #10, two client processes; entries counted with `conntrack -C` in"
                        + " the hypervisor namespace before and after. The pre-filled table holds ESTABLISHED entries"
                        + " between RFC 2544 benchmarking addresses loaded with `conntrack -R` (no packet sent);"
                        + " `nf_conntrack_max` is only read (%d), never changed.%n%n", r.flows, r.conntrackMax));
        md.append("| | untracked VM #5 | tracked VM #10 |\n|---|---|---|\n");
        md.append("| conntrack entries created by ").append(r.flows).append(" flows | ").append(r.entriesUntracked)
                .append(" | ").append(r.entriesTracked).append(" |\n");
        md.append("| new connections/s, table empty | ").append(num(r.rateUntrackedEmpty, 0)).append(" | ")
                .append(num(r.rateTrackedEmpty, 0)).append(" |\n");
        md.append("| new connections/s, ").append(r.prefillEntries).append(" entries in the table | ")
                .append(num(r.rateUntrackedFull, 0)).append(" | ").append(num(r.rateTrackedFull, 0)).append(" |\n");
        if (r.floodFailures > 0) {
            md.append("\n").append(r.floodFailures).append(" of the connections failed.\n");
        }
        md.append("\nThe rates are bounded by the Python client on this machine as much as by the kernel; the"
                + " figure that matters is the entry count: an untracked VM's flows take no conntrack entry at"
                + " all.\n\n");

        md.append("### 6. Memory and startup\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| VmRSS after the burst (agent that programmed everything) | ").append(mb(r.rssAfterBurstMb))
                .append(" |\n");
        md.append("| Java heap at that moment: committed / used / used after a full GC (`jcmd GC.heap_info`) | ")
                .append(mb(r.heapCommittedMb)).append(" / ").append(mb(r.heapUsedMb)).append(" / ")
                .append(mb(r.heapLiveMb)).append(" |\n");
        md.append("| VmHWM (peak RSS) over every agent process of the run | ").append(mb(r.peakRssMb)).append(" |\n");
        md.append("| startup to readiness 200, no VMs | ").append(ms(r.agentStartEmptyMs)).append(" |\n");
        md.append("| startup to readiness 200, ").append(r.vms)
                .append(" VMs stored, kernel already programmed (restart) | ").append(ms(r.restartMs))
                .append(", RSS ").append(mb(r.restartRssMb)).append(" |\n");
        md.append("| startup to readiness 200, ").append(r.vms)
                .append(" VMs stored, empty kernel (host reboot; agent inside the namespace, no `ip netns exec`) | ")
                .append(ms(r.coldBootMs)).append(", RSS ").append(mb(r.coldBootRssMb)).append(" |\n\n");
        if (!r.restartPhases.isEmpty()) {
            md.append("The restart, phase by phase from the agent's log (seconds after the previous line, in the order"
                    + " they happened):\n\n"
                    + "| phase | s |\n|---|---|\n");
            double sum = 0;
            for (Map.Entry<String, Double> e : r.restartPhases.entrySet()) {
                md.append("| ").append(e.getKey()).append(" | ").append(num(e.getValue(), 1)).append(" |\n");
                sum += e.getValue();
            }
            md.append("| JVM start to its first log line, and last line to the first readiness 200 | ")
                    .append(num(r.restartMs / 1000 - sum, 1)).append(" |\n\n");
        }
        md.append("The agent runs with the production JVM options (`config/jvm.options`: `")
                .append(String.join(" ", AgentProc.JVM_OPTIONS)).append("`).\n\n");

        md.append("## Where an update's time goes\n\n");
        md.append(String.format(Locale.ROOT, "The agent once more on the programmed hypervisor, with every kernel tool"
                        + " wrapped by a script that logs start, end and argv (the wrapper adds about 1-2 ms per call;"
                        + " update p50 here %s). Tool time excludes `ip netns exec`, which the agent puts in front of"
                        + " every tool when it programs a named namespace and which costs %s per process here (p50 of"
                        + " 30 `ip netns exec <ns> true`).%n%n", ms(r.diagUpdateMs), ms2(r.netnsExecMs)));
        md.append("| process | calls per update | ms per call (tool only) | ms per update incl. `ip netns exec` |\n"
                + "|---|---|---|---|\n");
        double total = 0;
        for (Map.Entry<String, double[]> e : r.toolsPerUpdate.entrySet()) {
            double per = e.getValue()[0] * (e.getValue()[1] + r.netnsExecMs);
            total += per;
            md.append("| `").append(e.getKey()).append("` | ").append(num(e.getValue()[0], 1)).append(" | ")
                    .append(num(e.getValue()[1], 1)).append(" | ").append(num(per, 1)).append(" |\n");
        }
        md.append("| **sum of the processes** | | | **").append(num(total, 1)).append("** |\n");
        md.append("| everything else (HTTP, validation, compiling the whole host, diff, state file with fsync) | | | ")
                .append(num(r.diagUpdateMs - total, 1)).append(" |\n\n");
        if (!r.toolsPerBurst.isEmpty()) {
            md.append(String.format(Locale.ROOT, "A burst of %d concurrent PUTs (%s from first request to last"
                    + " answer):%n%n", r.diagBurstSize, ms(r.diagBurstMs)));
            md.append("| process | calls | ms per call (tool only) | ms in total incl. `ip netns exec` |\n"
                    + "|---|---|---|---|\n");
            for (Map.Entry<String, double[]> e : r.toolsPerBurst.entrySet()) {
                md.append("| `").append(e.getKey()).append("` | ").append(num(e.getValue()[0], 0)).append(" | ")
                        .append(num(e.getValue()[1], 1)).append(" | ")
                        .append(num(e.getValue()[0] * (e.getValue()[1] + r.netnsExecMs), 0)).append(" |\n");
            }
            md.append('\n');
        }
        md.append(Findings.text(r));

        md.append("## JMH: compiler and diff\n\n");
        if (r.jmh.isEmpty()) {
            md.append("(not run)\n\n");
        } else {
            md.append("`bench/jmh/java/io/sgagent/bench/jmh/CompilerBenchmark.java`, the same 1000-VM host as above,"
                    + " one fork, no kernel involved.\n\n| benchmark | mode | score | error (99.9 %) | unit |\n"
                    + "|---|---|---|---|---|\n");
            for (String[] j : r.jmh) {
                md.append("| ").append(j[0]).append(" | ").append(j[4]).append(" | ").append(j[1]).append(" | ")
                        .append(j[2]).append(" | ").append(j[3]).append(" |\n");
            }
            md.append('\n');
        }

        md.append("## How it measures\n\n");
        md.append("- The testbed: namespace `sgbench-hv` with bridge `br0` (bridge-nf-call-ip(6)tables on), a remote"
                + " namespace on the uplink, real VM namespaces for VMs #5, #10, #999 and #1000, and veth pairs"
                + " whose peer stays in the hypervisor namespace for the other 996 VM ports. physdev matches the"
                + " bridge port name, so the rules are the same as with real VMs.\n");
        md.append("- The agent is the packaged jar started as a separate process with"
                + " `--sgagent.netfilter.netns=<namespace>` and a state directory on disk (ext4, fsync per VM"
                + " file), the JVM options of `config/jvm.options` and the drift check at its default interval."
                + " Latencies are measured by the client from sending the request to"
                + " reading the whole answer.\n");
        md.append("- Every tool run by the benchmark itself (floors, per-rule, probes) goes through"
                + " `ip netns exec`, as the agent's do, so agent and floor pay the same process overhead.\n");
        md.append("- Every namespace is named `sgbench-*` and removed at the end (leftovers of a killed run are"
                + " removed at the next start).\n");
        return md.toString();
    }

    private static void statsRow(StringBuilder md, String label, Stats s, String unit) {
        if (s == null) {
            return;
        }
        md.append("| ").append(label).append(" | ").append(num(s.p50(), 1)).append(' ').append(unit).append(" | ")
                .append(num(s.p90(), 1)).append(' ').append(unit).append(" | ").append(num(s.p99(), 1)).append(' ')
                .append(unit).append(" | ").append(num(s.max(), 1)).append(' ').append(unit).append(" |\n");
    }

    // -------------------------------------------------------------------------------------------- chart

    void png(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int width = 1400;
        int height = 980;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString("sg-agent hypervisor benchmark: " + r.vms + " VMs x " + r.rulesPerVm + " rules (" + r.date + ")",
                20, 32);
        Color agent = new Color(0x2b6cb0);
        Color floor = new Color(0x48bb78);
        Color other = new Color(0xdd6b20);
        Color grey = new Color(0x718096);

        List<Bar> cold = List.of(
                new Bar("raw iptables+ip6tables-restore", p50(r.floorIpMs) / 1000, floor),
                new Bar("raw restore incl. ipset + ebtables", p50(r.floorAllMs) / 1000, floor),
                new Bar("agent: PUT /api/v1/vms (all VMs)", r.coldFullPutMs / 1000, agent),
                new Bar("agent: " + r.vms + " PUTs, " + r.coldPutsConcurrency + " concurrent", r.coldPutsMs / 1000,
                        agent),
                new Bar("one iptables per rule (extrapolated)", r.perRuleExtrapolatedS, other));
        panel(g, 20, 60, 670, 430, "1. Cold programming (seconds, log scale)", cold, true, "s", 2.0,
                "target < 2 s");

        List<Bar> update = List.of(
                new Bar("agent p50", p50(r.updateMs), agent),
                new Bar("agent p99", p99(r.updateMs), agent),
                new Bar("raw restore of the diff p50", p50(r.floorDiffMs), floor),
                new Bar("raw restore of the diff p99", p99(r.floorDiffMs), floor),
                new Bar("agent p50, " + (r.pressureEntries / 1000) + "k conntrack entries", p50(r.updateUnderPressureMs),
                        other),
                new Bar("burst of " + r.burstSize + ": p99", p99(r.burstMs), grey));
        panel(g, 710, 60, 670, 430, "2./3. One-VM update and burst latency (ms, log scale)", update, true, "ms", 50.0,
                "target p99 < 50 ms");

        List<Bar> packet = new ArrayList<>();
        for (Map.Entry<String, Stats> e : r.firstPacketBaseline.entrySet()) {
            if (e.getKey().startsWith("VM #10") || e.getKey().startsWith("VM #" + r.vms)) {
                packet.add(new Bar("no firewall: " + shortName(e.getKey()), p50(e.getValue()), grey));
            }
        }
        for (Map.Entry<String, Stats> e : r.firstPacket.entrySet()) {
            packet.add(new Bar("agent: " + shortName(e.getKey()), p50(e.getValue()), agent));
        }
        panel(g, 20, 520, 670, 430, "4. First packet: TCP connect median (microseconds)", packet, false, "us");

        List<Bar> ct = List.of(
                new Bar("untracked VM, empty table", r.rateUntrackedEmpty, floor),
                new Bar("tracked VM, empty table", r.rateTrackedEmpty, other),
                new Bar("untracked VM, " + r.prefillEntries / 1000 + "k entries in the table", r.rateUntrackedFull,
                        floor),
                new Bar("tracked VM, " + r.prefillEntries / 1000 + "k entries in the table", r.rateTrackedFull, other));
        panel(g, 710, 520, 670, 430, "5. Conntrack: new TCP connections per second", ct, false, "");
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(String.format(Locale.ROOT, "conntrack entries created by %,d flows: untracked VM %,d, tracked VM %,d",
                r.flows, r.entriesUntracked, r.entriesTracked), 720, 935);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static String shortName(String key) {
        return key.replace(" (last device in dispatch order)", " (last leaf)");
    }

    record Bar(String label, double value, Color color) {
    }

    private static void panel(Graphics2D g, int x, int y, int w, int h, String title, List<Bar> bars, boolean log,
                              String unit) {
        panel(g, x, y, w, h, title, bars, log, unit, Double.NaN, null);
    }

    /** A horizontal bar chart; {@code target} (if not NaN) is drawn as a dashed red line labelled {@code targetLabel}. */
    private static void panel(Graphics2D g, int x, int y, int w, int h, String title, List<Bar> bars, boolean log,
                              String unit, double target, String targetLabel) {
        g.setColor(new Color(0xf7fafc));
        g.fillRect(x, y, w, h);
        g.setColor(new Color(0xcbd5e0));
        g.drawRect(x, y, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, x + 10, y + 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int labelWidth = 250;
        int barX = x + labelWidth + 10;
        int barMax = w - labelWidth - 90;
        double max = 0;
        double min = Double.MAX_VALUE;
        for (Bar b : bars) {
            if (Double.isFinite(b.value()) && b.value() > 0) {
                max = Math.max(max, b.value());
                min = Math.min(min, b.value());
            }
        }
        if (max <= 0) {
            return;
        }
        double lo = log ? Math.pow(10, Math.floor(Math.log10(min)) - 1) : 0;
        double hi = log ? Math.pow(10, Math.ceil(Math.log10(max))) : max * 1.05;
        if (log && hi <= lo) {
            hi = lo * 10;
        }
        int rowH = Math.min(55, (h - 80) / Math.max(1, bars.size()));
        int top = y + 52;
        if (log) {
            g.setColor(new Color(0xe2e8f0));
            for (double t = lo; t <= hi * 1.0001; t *= 10) {
                int tx = barX + (int) (barMax * (Math.log10(t) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
                g.drawLine(tx, top, tx, top + rowH * bars.size());
                g.setColor(grey());
                g.drawString(compact(t) + unit, tx - 10, top + rowH * bars.size() + 14);
                g.setColor(new Color(0xe2e8f0));
            }
        }
        if (!Double.isNaN(target) && target > lo && target < hi) {
            double tf = log ? (Math.log10(target) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : target / hi;
            int tx = barX + (int) (barMax * tf);
            g.setColor(new Color(0xc53030));
            g.setStroke(new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(tx, top - 6, tx, top + rowH * bars.size());
            g.setStroke(new BasicStroke(1));
            g.drawString(targetLabel, tx + 4, top - 8);
        }
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int by = top + i * rowH;
            g.setColor(Color.BLACK);
            String label = b.label();
            while (fm.stringWidth(label) > labelWidth && label.length() > 4) {
                label = label.substring(0, label.length() - 2);
            }
            g.drawString(label, x + 10, by + rowH / 2 + 5);
            if (!Double.isFinite(b.value())) {
                g.drawString("n/a", barX + 4, by + rowH / 2 + 5);
                continue;
            }
            double frac;
            if (log) {
                double v = Math.max(b.value(), lo);
                frac = (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
            } else {
                frac = b.value() / hi;
            }
            int len = Math.max(2, (int) (barMax * frac));
            g.setColor(b.color());
            g.fillRect(barX, by + 6, len, rowH - 12);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1));
            g.drawString(compact(b.value()) + (unit.isEmpty() ? "" : " " + unit), barX + len + 5, by + rowH / 2 + 5);
        }
    }

    private static Color grey() {
        return new Color(0x718096);
    }

    private static String compact(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (Math.abs(v) >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    // -------------------------------------------------------------------------------------------- formatting

    /** The entry whose key is {@code what} or starts with "{@code what} (". */
    static Stats find(Map<String, Stats> map, String what) {
        for (Map.Entry<String, Stats> e : map.entrySet()) {
            if (e.getKey().equals(what) || e.getKey().startsWith(what + " (")) {
                return e.getValue();
            }
        }
        return null;
    }

    static double p50(Stats s) {
        return s == null ? Double.NaN : s.p50();
    }

    static double p99(Stats s) {
        return s == null ? Double.NaN : s.p99();
    }

    static String verdict(boolean met, double value) {
        return Double.isNaN(value) ? "not measured" : met ? "met" : "NOT met";
    }

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return v >= 10_000 ? String.format(Locale.ROOT, "%.1f s", v / 1000) : String.format(Locale.ROOT, "%.0f ms", v);
    }

    static String ms2(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f ms", v);
    }

    static String sec(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f s", v);
    }

    static String us(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.0f us", v);
    }

    static String mb(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", v);
    }

    static String num(double v, int decimals) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : String.format(Locale.ROOT, "agent = %.1fx", a / b);
    }
}
