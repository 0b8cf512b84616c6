package io.sgagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's memory after the run: RSS and peak RSS, the heap after a full GC ({@code jcmd GC.class_histogram}
 * collects first, so it lists only live objects) and the classes that hold it. The whole histogram is kept in the
 * scratch directory for the memory investigation.
 */
final class MemoryProbe {
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private MemoryProbe() {
    }

    static void afterRun(AgentProc agent, Results r, Path work) throws IOException {
        r.rssAfterRunMb = agent.rssKb() / 1024.0;
        r.peakRssMb = Math.max(Double.isNaN(r.peakRssMb) ? 0 : r.peakRssMb, agent.peakRssKb() / 1024.0);
        String pid = Long.toString(agent.pid());
        Sh.Result histogram = Sh.run(List.of(jcmd(), pid, "GC.class_histogram"));
        Files.writeString(work.resolve("class-histogram.txt"), histogram.out());
        long total = 0;
        for (String line : histogram.out().split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                long bytes = Long.parseLong(m.group(2));
                total += bytes;
                if (r.histogram.size() < 15) {
                    r.histogram.add(new String[] {m.group(3), m.group(1), Long.toString(bytes)});
                }
            }
        }
        r.heapLiveAfterRunMb = total / 1048576.0;
        Sh.Result info = Sh.run(List.of(jcmd(), pid, "GC.heap_info"));
        Matcher heap = HEAP.matcher(info.out());
        double committed = 0;
        while (heap.find()) {
            committed += Long.parseLong(heap.group(1)) / 1024.0;
        }
        r.heapCommittedAfterRunMb = committed;
        Sh.Result nmt = Sh.run(List.of(jcmd(), pid, "VM.native_memory", "summary"));
        if (nmt.ok() && nmt.out().contains("Total:")) {
            Files.writeString(work.resolve("native-memory.txt"), nmt.out());
        }
        HypervisorBenchmark.log(String.format("  RSS %.0f MiB (peak %.0f MiB); live heap %.0f MiB, heap committed %.0f"
                        + " MiB; histogram in %s", r.rssAfterRunMb, r.peakRssMb, r.heapLiveAfterRunMb, committed,
                work.resolve("class-histogram.txt")));
    }

    static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }
}
