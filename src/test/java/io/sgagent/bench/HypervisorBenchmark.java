package io.sgagent.bench;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.testbed.Testbed;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The hypervisor-scale benchmark of issue 7: builds a namespace hypervisor with a bridge and 1000 VM ports (four of
 * them real VM namespaces), runs the packaged agent against it as a separate process, and measures cold
 * programming, one-VM updates, a burst of concurrent PUTs, first-packet latency, conntrack use and the agent's
 * memory and startup, each next to the floor the kernel tools set. Prints a table and writes
 * {@code docs/benchmarks.md} and {@code docs/benchmarks.png}.
 *
 * <p>Run as root through {@code bench/run.sh} (or {@code ./mvnw -Pbench verify}). Every namespace it creates is
 * named {@code sgbench-*} and removed at the end (and at the start of the next run, should a run be killed);
 * {@code nf_conntrack_max} is only read, never changed.
 *
 * <p>System properties: {@code sgagent.jar}, {@code bench.dir} (scratch), {@code bench.docs} (output directory),
 * {@code bench.jmh} (JMH JSON result to include), {@code bench.vms} (1000), {@code bench.updates} (100),
 * {@code bench.burst} (500), {@code bench.flows} (10000), {@code bench.prefill} (200000), {@code bench.perRule}
 * (2000), {@code bench.command} (the command line to quote).
 */
public final class HypervisorBenchmark {
    static final String PREFIX = "sgbench";
    /** VMs with a real namespace: untracked #5, tracked #10, #999 (last device in dispatch order), #1000. */
    static final int UNTRACKED_VM = 5;
    static final int FIRST_VM = 10;
    static final int LAST_LEAF_VM = 999;
    static final int UPDATE_VM = 500;

    private final Results results = new Results();
    private final Path jar;
    private final Path work;
    private final Path docs;
    private final int n;
    private final int updates;
    private final int burst;
    private final int flows;
    private final int prefill;
    private final int perRule;
    private final long[] seq;
    private final int[] variant;
    private final List<String> extraNamespaces = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private Testbed tb;

    private HypervisorBenchmark() {
        jar = Path.of(System.getProperty("sgagent.jar", "target/sg-agent-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        work = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        docs = Path.of(System.getProperty("bench.docs", "docs")).toAbsolutePath();
        n = Integer.getInteger("bench.vms", 1000);
        updates = Integer.getInteger("bench.updates", 100);
        burst = Math.min(Integer.getInteger("bench.burst", 500), n);
        flows = Integer.getInteger("bench.flows", 10_000);
        prefill = Integer.getInteger("bench.prefill", 200_000);
        perRule = Integer.getInteger("bench.perRule", 2000);
        seq = new long[n + 1];
        variant = new int[n + 1];
        results.vms = n;
        results.rulesPerVm = BenchHost.INGRESS_RULES + BenchHost.EGRESS_RULES;
        results.command = System.getProperty("bench.command", "bench/run.sh");
        if (n < 1000) {
            results.notes.add("reduced run: " + n + " VMs (bench.vms)");
        }
    }

    public static void main(String[] args) throws Exception {
        HypervisorBenchmark bench = new HypervisorBenchmark();
        int exit = 0;
        try {
            bench.run();
        } catch (Throwable e) {
            System.err.println("[bench] FAILED: " + e);
            e.printStackTrace();
            bench.results.notes.add("the run stopped early: " + e);
            exit = 1;
        } finally {
            bench.cleanUp();
        }
        Report report = new Report(bench.results);
        System.out.println();
        System.out.println(report.table());
        if (exit == 0 || Boolean.getBoolean("bench.writeOnFailure")) {
            Files.createDirectories(bench.docs);
            Path md = bench.docs.resolve("benchmarks.md");
            Files.writeString(md, Sections.keepForeign(report.markdown(), Files.exists(md) ? Files.readString(md) : ""));
            try {
                report.png(bench.docs.resolve("benchmarks.png"));
            } catch (Throwable e) {
                System.err.println("[bench] chart not written: " + e);
            }
            System.out.println("[bench] wrote " + bench.docs.resolve("benchmarks.md") + " and benchmarks.png");
        } else {
            System.out.println("[bench] docs not written (the run failed)");
        }
        System.exit(exit);
    }

    static void log(String message) {
        System.out.printf("[bench %s] %s%n", DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC)
                .format(Instant.now()), message);
    }

    // ------------------------------------------------------------------------------------------------ the run

    private void run() throws Exception {
        long t0 = System.nanoTime();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("agent jar not found: " + jar + " (build it: ./mvnw -Pbench verify)");
        }
        Files.createDirectories(work);
        machine();
        readJmh();
        log("building the hypervisor: bridge, " + n + " VM ports, 4 VM namespaces, remote");
        tb = Testbed.create(PREFIX);
        buildHypervisor();

        log("first packet without any firewall (baseline)");
        firstPacket(results.firstPacketBaseline, null);

        Path stateA = work.resolve("state-hv");
        deleteTree(stateA);
        List<String> agentArgs = new ArrayList<>(List.of("--logging.level.io.sgagent.reconcile.HostReconciler=DEBUG"));
        String extra = System.getProperty("bench.agentArgs", "");
        if (!extra.isBlank()) {
            agentArgs.addAll(List.of(extra.trim().split("\\s+")));
            results.notes.add("agent started with extra arguments: " + extra.trim());
        }
        if (Knobs.quick()) {
            // One cold PUT is one sample of a noisy machine: the figure is the median of several, each by a freshly
            // started agent into its own empty namespace with the N ports. Taken before the hypervisor's agent
            // starts, so no other agent's drift check runs beside them.
            extraColdSamples(Knobs.integer("coldSamples", 3) - 1, agentArgs);
        }
        AgentProc agent = AgentProc.start(jar, tb.hvNamespace(), stateA, work.resolve("agent-hv.log"),
                agentArgs.toArray(String[]::new));
        results.agentStartEmptyMs = agent.startupMillis();
        try {
            if (Knobs.quick()) {
                // Programs the hypervisor itself with one host-state PUT: the cold figure, without a second agent.
                coldFullPut(agent, tb.hvNamespace(), false);
                Arrays.fill(seq, 1);
                saveRuleset(tb.hvNamespace());
                floorAndPerRule();
            } else {
                coldThroughPuts(agent);
                coldThroughFullPut();
                dispatchDepths();
                floorAndPerRule();
                sameRuleset();
            }
            oneVmUpdates(agent);
            log("drift check hold: updates back to back while the drift check runs");
            DriftHold.measure(agent, updateLoop(agent), tb.hvNamespace(), results,
                    Knobs.integer("driftWindow", 25));
            if (!Knobs.quick()) {
                burst(agent);
                results.rssAfterBurstMb = agent.rssKb() / 1024.0;
                results.peakRssMb = agent.peakRssKb() / 1024.0;
                heap(agent);
                log("first packet with " + n + " VMs programmed");
                firstPacket(results.firstPacket, results.firstPacketFailures);
            }
            conntrack(agent);
            log("memory after the run");
            MemoryProbe.afterRun(agent, results, work);
            hostWideSyncs(agent);
        } finally {
            agent.close();
        }
        if (!Knobs.quick()) {
            restarts(stateA);
            diagnostics(stateA);
        }
        results.totalSeconds = (System.nanoTime() - t0) / 1e9;
        results.machine.put("load average at the end", loadAverage());
    }

    // ------------------------------------------------------------------------------------------------ setup

    private void machine() {
        Map<String, String> m = results.machine;
        results.date = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        m.put("CPU", firstLine(Sh.run(List.of("sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"))));
        m.put("nproc", firstLine(Sh.run(List.of("nproc"))));
        m.put("memory", firstLine(Sh.run(List.of("sh", "-c", "grep MemTotal /proc/meminfo | awk '{printf \"%.1f GiB\", $2/1048576}'"))));
        m.put("kernel (uname -r)", firstLine(Sh.run(List.of("uname", "-r"))));
        m.put("iptables", firstLine(Sh.run(List.of("iptables", "--version"))));
        m.put("ipset", firstLine(Sh.run(List.of("ipset", "--version"))));
        m.put("conntrack", firstLine(Sh.run(List.of("conntrack", "--version"))));
        Sh.Result head = Sh.run(List.of("git", "rev-parse", "--short", "HEAD"));
        if (head.ok()) {
            boolean dirty = !Sh.run(List.of("git", "status", "--porcelain", "--", "src/main")).out().isBlank();
            m.put("agent source", "commit " + head.out().strip() + (dirty ? " with uncommitted changes in src/main"
                    : ""));
        }
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("agent JVM options", String.join(" ", AgentProc.JVM_OPTIONS));
        m.put("nf_conntrack_max", Long.toString(conntrackMax()));
        m.put("nf_conntrack_buckets", readProc("/proc/sys/net/netfilter/nf_conntrack_buckets"));
        m.put("load average at the start", loadAverage());
        results.conntrackMax = conntrackMax();
    }

    private void readJmh() {
        String file = System.getProperty("bench.jmh", "");
        if (file.isBlank() || !Files.exists(Path.of(file))) {
            results.notes.add("no JMH result found (" + (file.isBlank() ? "bench.jmh not set" : file) + ")");
            return;
        }
        try {
            tools.jackson.databind.JsonNode root = tools.jackson.databind.json.JsonMapper.builder().build()
                    .readTree(Files.readString(Path.of(file)));
            for (tools.jackson.databind.JsonNode b : root) {
                String name = b.get("benchmark").asString();
                tools.jackson.databind.JsonNode metric = b.get("primaryMetric");
                double score = metric.get("score").asDouble();
                double error = metric.get("scoreError").asDouble();
                String unit = metric.get("scoreUnit").asString();
                if (unit.equals("us/op") && score >= 1000) {
                    score /= 1000;
                    error /= 1000;
                    unit = "ms/op";
                }
                results.jmh.add(new String[] {name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1),
                        String.format(java.util.Locale.ROOT, "%.2f", score),
                        Double.isNaN(error) ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f", error), unit,
                        b.get("mode").asString()});
            }
        } catch (IOException | RuntimeException e) {
            results.notes.add("cannot read the JMH result " + file + ": " + e);
        }
    }

    private void buildHypervisor() throws IOException {
        String hv = tb.hvNamespace();
        for (int i : new int[] {UNTRACKED_VM, FIRST_VM, LAST_LEAF_VM, n}) {
            if (i <= n) {
                tb.addVm(BenchHost.name(i), BenchHost.device(i), BenchHost.mac(i), List.of(BenchHost.ipv4(i)),
                        List.of(BenchHost.ipv6(i)));
            }
        }
        // The other VM ports: veth pairs whose peer stays in the hypervisor namespace (no VM behind them). The
        // rules only name devices; packets of the measured VMs never touch these ports except when flooded.
        Set<Integer> real = Set.of(UNTRACKED_VM, FIRST_VM, LAST_LEAF_VM, n);
        double seconds = HostPorts.create(hv, n, real, false, work);
        results.portsSeconds = seconds;
        results.linkLocalAddresses = HostPorts.linkLocalAddresses(hv);
        log(String.format("%d VM ports created in %.1f s (%d link-local addresses in the namespace)", n, seconds,
                results.linkLocalAddresses));
        // the remote opens many connections: a wide port range, and reuse of TIME_WAIT ports
        Sh.inNs(tb.remoteNamespace(), "python3", "-c", Py.SYSCTL, "net.ipv4.ip_local_port_range=1024 65000",
                "net.ipv4.tcp_tw_reuse=1").orThrow();
        for (int i : real) {
            if (i <= n) {
                servers.add(startServer(PREFIX + "-" + BenchHost.name(i)));
            }
        }
    }

    private Process startServer(String netns) throws IOException {
        Process p = new ProcessBuilder(Sh.ns(netns, List.of("python3", "-u", "-c", Py.ACCEPT_SERVER,
                Integer.toString(BenchHost.PROBE_PORT)))).redirectErrorStream(true).start();
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null || !line.strip().equals("ready")) {
            p.destroyForcibly();
            throw new IllegalStateException("server in " + netns + " did not start: " + line);
        }
        Thread drain = new Thread(() -> {
            try {
                while (reader.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // gone
            }
        }, "server-drain");
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    // ------------------------------------------------------------------------------------------------ 1. cold

    /** 1000 PUTs of one VM each, 200 at a time (Tomcat's worker threads), into an empty hypervisor (agent A). */
    private void coldThroughPuts(AgentProc agent) throws Exception {
        int concurrency = Integer.getInteger("bench.putConcurrency", 200);
        results.coldPutsConcurrency = concurrency;
        log(n + " PUT /api/v1/vms/{name}, " + concurrency + " concurrent");
        Map<String, Double> before = agent.metrics();
        AtomicInteger next = new AtomicInteger(1);
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger non200 = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t = System.nanoTime();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            all.add(CompletableFuture.runAsync(() -> {
                for (int i; (i = next.getAndIncrement()) <= n; ) {
                    AgentProc.Response r = agent.put("/api/v1/vms/" + BenchHost.name(i), BenchHost.json(i, 1, 0));
                    latencies.add(r.millis());
                    if (r.status() != 200) {
                        non200.incrementAndGet();
                        System.err.println("[bench] PUT " + BenchHost.name(i) + " -> " + r.status() + " " + r.body());
                    }
                }
            }, pool));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        results.coldPutsMs = (System.nanoTime() - t) / 1e6;
        pool.shutdown();
        for (int i = 1; i <= n; i++) {
            seq[i] = 1;
        }
        Map<String, Double> after = agent.metrics();
        results.coldPutsApplies = delta(before, after, "sgagent_apply_total", "success");
        results.coldPutsLatency = Stats.of(latencies);
        results.coldPutsNon200 = non200.get();
        log(String.format("  %.0f ms, %d non-200, %.0f kernel transactions", results.coldPutsMs, non200.get(),
                results.coldPutsApplies));
    }

    /** Cold host-state PUTs, each by its own just-started agent into a fresh namespace with the N ports. */
    private void extraColdSamples(int count, List<String> agentArgs) throws Exception {
        String body = BenchHost.hostJson(n, i -> 1, i -> 0);
        for (int k = 1; k <= count; k++) {
            String x = addNamespace("c" + k);
            HostPorts.create(x, n, Set.of(), true, work);
            Path state = work.resolve("state-c" + k);
            deleteTree(state);
            try (AgentProc agent = AgentProc.start(jar, x, state, work.resolve("agent-c" + k + ".log"),
                    agentArgs.toArray(String[]::new))) {
                AgentProc.Response r = agent.put("/api/v1/vms", body);
                if (r.status() != 200) {
                    throw new IllegalStateException("PUT /api/v1/vms answered " + r.status() + ": "
                            + Sh.abbreviate(r.body()));
                }
                results.coldFullPutSamplesMs.add(r.millis());
                log(String.format("cold PUT /api/v1/vms sample %d (agent c%d, just started, %d ports): %.0f ms", k, k,
                        n, r.millis()));
            }
            deleteNamespace(x);
            deleteTree(state);
        }
    }

    /** One PUT /api/v1/vms of the whole host into a fresh namespace with the N ports (agent B, just started). */
    private void coldThroughFullPut() throws Exception {
        String x = addNamespace("x");
        HostPorts.create(x, n, Set.of(), true, work);
        Path state = work.resolve("state-x");
        deleteTree(state);
        try (AgentProc agent = AgentProc.start(jar, x, state, work.resolve("agent-x.log"))) {
            coldFullPut(agent, x, true);
        }
        saveRuleset(x);
    }

    /**
     * {@code PUT /api/v1/vms} with every VM into the agent's empty namespace; with {@code extras}, then the same body
     * again and every VM with a new seq (where the time goes besides the kernel).
     */
    private void coldFullPut(AgentProc agent, String netns, boolean extras) throws Exception {
        String body = BenchHost.hostJson(n, i -> 1, i -> 0);
        results.hostBodyBytes = body.length();
        log("PUT /api/v1/vms with " + n + " VMs (" + body.length() / 1024 + " KiB) into " + netns
                + " (empty, " + n + " ports)");
        Map<String, Double> before = agent.metrics();
        AgentProc.Response r = agent.put("/api/v1/vms", body);
        if (r.status() != 200) {
            throw new IllegalStateException("PUT /api/v1/vms answered " + r.status() + ": "
                    + Sh.abbreviate(r.body()));
        }
        results.coldFullPutSamplesMs.add(r.millis());
        results.coldHvPutMs = r.millis();
        results.coldFullPutMs = Stats.of(results.coldFullPutSamplesMs).p50();
        Map<String, Double> after = agent.metrics();
        results.coldFullPutApplySeconds = delta(before, after, "sgagent_apply_seconds_sum", null);
        results.coldFullPutRestoreLines = delta(before, after, "sgagent_restore_lines_total", null);
        results.coldFullPutApplies = delta(before, after, "sgagent_apply_seconds_count", null);
        log(String.format("  %.0f ms (kernel apply %.0f ms in %.0f applies, %.0f restore lines)",
                r.millis(), results.coldFullPutApplySeconds * 1000, results.coldFullPutApplies,
                results.coldFullPutRestoreLines));
        coldPhases(agent.log());
        if (results.coldFullPutApplies > 1) {
            results.notes.add(String.format("the cold PUT took %.0f kernel applies (a failed apply is retried as a"
                    + " full apply; see the agent log)", results.coldFullPutApplies));
        }
        if (!extras) {
            return;
        }
        // Where the rest goes, through the API alone: the same body again is a no-op for store and kernel
        // (HTTP, JSON, validation, whole-host compile and diff, warm JVM); the same rules with seq 2 for every
        // VM also rewrites all state files (no kernel change: the rules are the same).
        AgentProc.Response again = agent.put("/api/v1/vms", body);
        results.hostPutNoopMs = again.status() == 200 ? again.millis() : Double.NaN;
        AgentProc.Response reseq = agent.put("/api/v1/vms", BenchHost.hostJson(n, i -> 2, i -> 0));
        results.hostPutStoreOnlyMs = reseq.status() == 200 ? reseq.millis() : Double.NaN;
        log(String.format("  same body again %.0f ms; every VM with a new seq (state files rewritten) %.0f ms",
                results.hostPutNoopMs, results.hostPutStoreOnlyMs));
    }

    /** The programmed ruleset of {@code netns} as the raw tools' dump (x.v4, x.v6, x.sets, x.bridge). */
    private void saveRuleset(String netns) throws IOException {
        Files.writeString(work.resolve("x.v4"), Sh.inNs(netns, "iptables-save").orThrow().out());
        Files.writeString(work.resolve("x.v6"), Sh.inNs(netns, "ip6tables-save").orThrow().out());
        Files.writeString(work.resolve("x.sets"), Sh.inNs(netns, "ipset", "save").orThrow().out());
        Files.writeString(work.resolve("x.bridge"), Sh.inNs(netns, "ebtables-nft-save").orThrow().out());
        results.ruleLinesV4 = countRules(Files.readString(work.resolve("x.v4")));
        results.ruleLinesV6 = countRules(Files.readString(work.resolve("x.v6")));
        results.bridgeRuleLines = countRules(Files.readString(work.resolve("x.bridge")));
        results.setMembers = Files.readString(work.resolve("x.sets")).lines().filter(l -> l.startsWith("add ")).count();
    }

    /** The same ruleset by the raw restore tools into fresh namespaces, and by one iptables process per rule. */
    private void floorAndPerRule() throws Exception {
        String v4 = Files.readString(work.resolve("x.v4"));
        String v6 = Files.readString(work.resolve("x.v6"));
        String sets = Files.readString(work.resolve("x.sets"));
        String bridge = Files.readString(work.resolve("x.bridge"));
        List<Double> ip = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        String full = null;
        // Into namespaces that hold the N ports, like the agent's: iptables' cost depends on the interfaces.
        // Up to 3 runs, fewer when one takes long (the median of what ran).
        long floorStart = System.nanoTime();
        for (int k = 1; k <= 3; k++) {
            String y = addNamespace("y" + k);
            HostPorts.create(y, n, Set.of(), true, work);
            Sh.Result s = Sh.inNsStdin(y, sets, "ipset", "restore").orThrow();
            Sh.Result a = Sh.inNsStdin(y, v4, "iptables-restore", "-w", "10").orThrow();
            Sh.Result b = Sh.inNsStdin(y, v6, "ip6tables-restore", "-w", "10").orThrow();
            Sh.Result e = Sh.inNsStdin(y, bridge, "ebtables-nft-restore").orThrow();
            ip.add(a.millis() + b.millis());
            all.add(s.millis() + a.millis() + b.millis() + e.millis());
            log(String.format("raw restore #%d: ipset %.0f ms, iptables %.0f ms, ip6tables %.0f ms, ebtables %.0f ms",
                    k, s.millis(), a.millis(), b.millis(), e.millis()));
            boolean last = k == 3 || System.nanoTime() - floorStart > 60e9;
            if (!last) {
                deleteNamespace(y);
            } else {
                full = y;
                break;
            }
        }
        results.floorIpMs = Stats.of(ip);
        results.floorAllMs = Stats.of(all);
        if (Knobs.quick()) {
            deleteNamespace(full);
            return;
        }

        // Per-rule: the filter rules of the first VMs, one iptables process each (CloudStack's way).
        List<String> rules = new ArrayList<>();
        Set<String> chains = new LinkedHashSet<>();
        Set<String> targets = new LinkedHashSet<>();
        boolean inFilter = false;
        for (String line : v4.split("\n")) {
            if (line.startsWith("*")) {
                inFilter = line.equals("*filter");
            } else if (inFilter && (line.startsWith("-A sga-i-") || line.startsWith("-A sga-e-"))
                    && rules.size() < perRule) {
                rules.add(line);
                String[] f = line.split(" ");
                chains.add(f[1]);
                for (int j = 2; j + 1 < f.length; j++) {
                    if ((f[j].equals("-j") || f[j].equals("-g")) && f[j + 1].startsWith("sga-")) {
                        targets.add(f[j + 1]);
                    }
                }
            }
        }
        targets.removeAll(chains);
        String z = addNamespace("z");
        Set<String> emptyChains = new LinkedHashSet<>(targets);
        emptyChains.addAll(chains);
        double[] empty = perRule(z, emptyChains, rules, rules.size(), 60);
        results.perRuleEmptyCount = (int) empty[0];
        results.perRuleEmptyMs = empty[1] * 1000 / empty[0];
        // Same rules into renamed chains of a namespace that already holds the whole ruleset: iptables-nft reads
        // the table on every call, so a call costs more the bigger the table is.
        List<String> renamed = new ArrayList<>();
        for (String rule : rules) {
            renamed.add(rule.replaceFirst("^-A sga-", "-A sgx-"));
        }
        Set<String> renamedChains = chains.stream().map(c -> c.replaceFirst("^sga-", "sgx-"))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        double[] big = perRule(full, renamedChains, renamed, Integer.getInteger("bench.perRuleFull", 300), 40);
        results.perRuleFullCount = (int) big[0];
        results.perRuleFullMs = big[1] * 1000 / big[0];
        long total = results.ruleLinesV4 + results.ruleLinesV6;
        results.perRuleExtrapolatedS = total * (results.perRuleEmptyMs + results.perRuleFullMs) / 2 / 1000;
        log(String.format("per-rule iptables: %.2f ms/rule into an empty table (%d rules), %.2f ms/rule into the full"
                        + " table (%d rules) -> %d rules ~ %.0f s", results.perRuleEmptyMs, results.perRuleEmptyCount,
                results.perRuleFullMs, results.perRuleFullCount, total, results.perRuleExtrapolatedS));
        deleteNamespace(z);
        deleteNamespace(full);
    }

    private double[] perRule(String netns, Set<String> chains, List<String> rules, int max, int maxSeconds)
            throws IOException {
        Path chainFile = work.resolve("per-rule.chains");
        Path ruleFile = work.resolve("per-rule.rules");
        Files.writeString(chainFile, String.join("\n", chains) + "\n");
        Files.writeString(ruleFile, String.join("\n", rules) + "\n");
        Sh.Result r = Sh.run(Sh.ns(netns, List.of("python3", "-c", Py.PER_RULE, "iptables", "filter",
                chainFile.toString(), ruleFile.toString(), Integer.toString(max), Integer.toString(maxSeconds))),
                null, maxSeconds + 120L).orThrow();
        String[] f = r.out().strip().split("\\s+");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    /** Whether 1000 PUTs (hypervisor) and one host-state PUT (namespace x) left the same rules in the kernel. */
    private void sameRuleset() throws IOException {
        Set<String> hv = ownLines(Sh.inNs(tb.hvNamespace(), "iptables-save").orThrow().out()
                + Sh.inNs(tb.hvNamespace(), "ip6tables-save").orThrow().out());
        Set<String> x = ownLines(Files.readString(work.resolve("x.v4")) + Files.readString(work.resolve("x.v6")));
        results.sameRulesetBothPaths = hv.equals(x);
        if (!hv.equals(x)) {
            Set<String> onlyHv = new HashSet<>(hv);
            onlyHv.removeAll(x);
            Set<String> onlyX = new HashSet<>(x);
            onlyX.removeAll(hv);
            results.notes.add("the two cold paths differ: " + onlyHv.size() + " lines only after the 1000 PUTs, "
                    + onlyX.size() + " only after the host-state PUT, e.g. "
                    + onlyHv.stream().limit(2).toList() + " / " + onlyX.stream().limit(2).toList());
        }
        deleteNamespace(PREFIX + "-x");
    }

    private static Set<String> ownLines(String save) {
        Set<String> lines = new HashSet<>();
        for (String line : save.split("\n")) {
            if (line.startsWith("-A sga-") || line.startsWith(":sga-")) {
                lines.add(line.replaceAll("\\[\\d+:\\d+\\]", ""));
            }
        }
        return lines;
    }

    private static long countRules(String save) {
        return save.lines().filter(l -> l.startsWith("-A ")).count();
    }

    // ------------------------------------------------------------------------------------------------ 2. update

    private void oneVmUpdates(AgentProc agent) {
        int vm = Math.min(UPDATE_VM, n);
        log(updates + " one-VM updates of " + BenchHost.name(vm) + " (one rule changed, new seq), each followed by"
                + " the raw restore of the same diff; drift check " + driftSetting());
        Map<String, Double> m0 = agent.metrics();
        UpdateLoop.Samples s = updateLoop(agent).run(updates);
        Map<String, Double> m1 = agent.metrics();
        results.updateMs = Stats.of(s.agent());
        results.floorDiffMs = Stats.of(s.floor());
        results.updateNon200 = s.non200();
        results.predictedDiffLines = s.diffLines();
        if (s.setsChanged()) {
            results.notes.add("the update benchmark's diff unexpectedly changes set members");
        }
        double applies = delta(m0, m1, "sgagent_apply_total", "success");
        results.updateRestoreLinesPerUpdate = delta(m0, m1, "sgagent_restore_lines_total", null) / applies;
        results.updateApplyMsMean = delta(m0, m1, "sgagent_apply_seconds_sum", null) * 1000 / applies;
        results.driftChecksDuringUpdates = delta(m0, m1, "sgagent_drift_check_seconds_count", null);
        log(String.format("  agent p50 %.1f / p90 %.1f / p99 %.1f ms; raw restore of the diff (%d lines) p50 %.1f /"
                        + " p90 %.1f / p99 %.1f ms; agent kernel-apply mean %.1f ms", results.updateMs.p50(),
                results.updateMs.p90(), results.updateMs.p99(), results.predictedDiffLines, results.floorDiffMs.p50(),
                results.floorDiffMs.p90(), results.floorDiffMs.p99(), results.updateApplyMsMean));
    }

    private UpdateLoop updateLoop(AgentProc agent) {
        int vm = Math.min(UPDATE_VM, n);
        return new UpdateLoop(tb.hvNamespace(), this::host, () -> {
            variant[vm]++;
            seq[vm]++;
        }, () -> agent.put("/api/v1/vms/" + BenchHost.name(vm), BenchHost.json(vm, seq[vm], variant[vm])));
    }

    static String driftSetting() {
        return AgentProc.DRIFT_INTERVAL.isEmpty() ? "at its default interval" : "every " + AgentProc.DRIFT_INTERVAL;
    }

    private AgentProc.Response update(AgentProc agent, int vm) {
        variant[vm]++;
        seq[vm]++;
        return agent.put("/api/v1/vms/" + BenchHost.name(vm), BenchHost.json(vm, seq[vm], variant[vm]));
    }

    private HostState host() {
        return BenchHost.host(n, i -> seq[i], i -> variant[i]);
    }

    // ------------------------------------------------------------------------------------------------ 3. burst

    private void burst(AgentProc agent) throws Exception {
        results.burstSize = burst;
        log("burst: " + burst + " concurrent PUTs (one changed rule each)");
        Map<String, Double> m0 = agent.metrics();
        int first = n - burst + 1;
        Map<Integer, String> bodies = new TreeMap<>();
        for (int i = first; i <= n; i++) {
            variant[i]++;
            seq[i]++;
            bodies.put(i, BenchHost.json(i, seq[i], variant[i]));
        }
        ExecutorService pool = Executors.newFixedThreadPool(burst);
        CountDownLatch ready = new CountDownLatch(burst);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger ok = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Map.Entry<Integer, String> e : bodies.entrySet()) {
            int i = e.getKey();
            all.add(CompletableFuture.runAsync(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                AgentProc.Response r = agent.put("/api/v1/vms/" + BenchHost.name(i), e.getValue());
                latencies.add(r.millis());
                if (r.status() == 200 && r.body().contains("\"seq\":" + seq[i] + ",")
                        && r.body().contains("\"name\":\"" + BenchHost.name(i) + "\"")) {
                    ok.incrementAndGet();
                } else {
                    System.err.println("[bench] burst PUT " + BenchHost.name(i) + " -> " + r.status() + " "
                            + Sh.abbreviate(r.body()));
                }
            }, pool));
        }
        ready.await(60, TimeUnit.SECONDS);
        Instant from = Instant.now();
        long t = System.nanoTime();
        go.countDown();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        results.burstWallMs = (System.nanoTime() - t) / 1e6;
        pool.shutdown();
        Map<String, Double> m1 = agent.metrics();
        results.burstTransactions = delta(m0, m1, "sgagent_apply_total", null);
        batchSizes(agent.log(), from, Instant.now());
        results.burstMs = Stats.of(latencies);
        results.burstOk = ok.get();
        log(String.format("  %d/%d answered 200 with the new seq, %.0f kernel transactions, p99 %.0f ms, all done in"
                        + " %.0f ms", ok.get(), burst, results.burstTransactions, results.burstMs.p99(),
                results.burstWallMs));
    }

    /** Seconds between the agent's own log lines of a start, in the order they happened. */
    private void startupPhases(Path log) throws IOException {
        String[][] marks = {{"Starting SgAgentApplication", "first log line (JVM up)"},
                {"Started SgAgentApplication", "Spring context and HTTP server up"},
                {"loaded the desired state of", "state files read"},
                {"programmed ", "kernel compared with the stored state (adopted or programmed)"}};
        TreeMap<Instant, String> seen = new TreeMap<>();
        List<String> lines = Files.readAllLines(log);
        for (String[] mark : marks) {
            for (String line : lines) {
                if (line.contains(mark[0]) && line.length() > 24 && line.charAt(23) == 'Z') {
                    seen.put(Instant.parse(line.substring(0, 24)), mark[1]);
                    break;
                }
            }
        }
        Instant previous = null;
        for (Map.Entry<Instant, String> e : seen.entrySet()) {
            if (previous != null) {
                results.restartPhases.put(e.getValue(), (e.getKey().toEpochMilli() - previous.toEpochMilli()) / 1000.0);
            }
            previous = e.getKey();
        }
    }

    /**
     * Where the cold PUT's time went inside the transaction, from the reconciler's DEBUG line ("transaction of N
     * changes: compile X ms, store Y ms, kernel Z ms", and since the store runs beside the compile "... waited W ms
     * for it after the compile"); the rest of the request is HTTP, JSON and validation.
     */
    private void coldPhases(Path log) throws IOException {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "transaction of " + n + " changes: compile (\\d+) ms, store (\\d+) ms, kernel (\\d+) ms"
                        + "(?:.*waited (\\d+) ms for it after the compile)?");
        for (String l : Files.readAllLines(log)) {
            java.util.regex.Matcher m = line.matcher(l);
            if (m.find()) {
                results.coldCompileMs = Double.parseDouble(m.group(1));
                results.coldStoreMs = Double.parseDouble(m.group(2));
                results.coldKernelMs = Double.parseDouble(m.group(3));
                results.coldStoreWaitMs = m.group(4) == null ? Double.NaN : Double.parseDouble(m.group(4));
                log(String.format("  inside: compile %.0f ms, store %.0f ms, kernel %.0f ms", results.coldCompileMs,
                        results.coldStoreMs, results.coldKernelMs));
                return;
            }
        }
    }

    /** Sizes of the multi-write batches the reconciler logged (DEBUG "applied N writes in one transaction"). */
    private void batchSizes(Path log, Instant from, Instant to) throws IOException {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "^(\\S+Z) .*applied (\\d+) writes in one transaction");
        List<Double> sizes = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
            java.util.regex.Matcher m = line.matcher(l);
            if (m.find()) {
                Instant at = Instant.parse(m.group(1));
                if (!at.isBefore(from) && !at.isAfter(to)) {
                    sizes.add(Double.parseDouble(m.group(2)));
                }
            }
        }
        results.burstBatches = Stats.of(sizes);
        results.burstBatchedWrites = (int) sizes.stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * Rules a packet evaluates in the dispatch to reach a device's chain: the towards-VM tree (filter sga-TO-VM,
     * --physdev-out) and the from-VM tree (filter sga-FORWARD, --physdev-in), against a linear list in name order.
     */
    private void dispatchDepths() {
        Ruleset ruleset = new RulesetCompiler().compile(host());
        Map<String, io.sgagent.ruleset.Chain> chains = new LinkedHashMap<>();
        for (var table : ruleset.ipv4().tables()) {
            if (table.table().equals("filter")) {
                table.chains().forEach(c -> chains.put(c.name(), c));
            }
        }
        List<String> devices = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            devices.add(BenchHost.device(i));
        }
        Collections.sort(devices);
        for (int i : new int[] {FIRST_VM, LAST_LEAF_VM, n, UNTRACKED_VM}) {
            if (i > n) {
                continue;
            }
            String dev = BenchHost.device(i);
            int out = walk(chains, "sga-TO-VM", "--physdev-out", dev, new int[1]);
            int in = walk(chains, "sga-FORWARD", "--physdev-in", dev, new int[1]);
            results.dispatch.put("VM #" + i + " (" + dev + ")", new int[] {out, in, devices.indexOf(dev) + 1, i});
        }
    }

    /** Rules evaluated from chain until a rule for exactly dev matches; counts into count[0]; -1 if not reached. */
    private static int walk(Map<String, io.sgagent.ruleset.Chain> chains, String chain, String flag, String dev,
                            int[] count) {
        io.sgagent.ruleset.Chain c = chains.get(chain);
        if (c == null) {
            return -1;
        }
        for (io.sgagent.ruleset.Rule rule : c.rules()) {
            count[0]++;
            String[] f = rule.match().split(" ");
            String pattern = null;
            for (int k = 0; k + 1 < f.length; k++) {
                if (f[k].equals(flag)) {
                    pattern = f[k + 1];
                }
            }
            if (pattern == null) {
                continue;
            }
            boolean matches = pattern.endsWith("+") ? dev.startsWith(pattern.substring(0, pattern.length() - 1))
                    : dev.equals(pattern);
            if (!matches) {
                continue;
            }
            if (pattern.equals(dev)) {
                return count[0];
            }
            String target = rule.action() instanceof io.sgagent.ruleset.Action.Jump j ? j.chain()
                    : rule.action() instanceof io.sgagent.ruleset.Action.Goto g ? g.chain() : null;
            if (target != null && walk(chains, target, flag, dev, count) > 0) {
                return count[0];
            }
        }
        return -1;
    }

    /** Heap committed and used (jcmd GC.heap_info), and used after a full GC: how much of the RSS is live data. */
    private void heap(AgentProc agent) {
        double[] before = heapInfo(agent.pid());
        results.heapCommittedMb = before[0];
        results.heapUsedMb = before[1];
        Sh.run(List.of(jcmd(), Long.toString(agent.pid()), "GC.run"));
        results.heapLiveMb = heapInfo(agent.pid())[1];
        log(String.format("  RSS %.0f MiB: heap committed %.0f MiB, used %.0f MiB, used after a full GC %.0f MiB",
                results.rssAfterBurstMb, results.heapCommittedMb, results.heapUsedMb, results.heapLiveMb));
    }

    private static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }

    private static double[] heapInfo(long pid) {
        Sh.Result r = Sh.run(List.of(jcmd(), Long.toString(pid), "GC.heap_info"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(r.out());
        if (!m.find()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {Long.parseLong(m.group(1)) / 1024.0, Long.parseLong(m.group(2)) / 1024.0};
    }

    // ------------------------------------------------------------------------------------------------ 4. first packet

    private void firstPacket(Map<String, Stats> into, Map<String, Integer> failures) {
        int count = Integer.getInteger("bench.connects", 300);
        List<Integer> vms = new ArrayList<>(List.of(FIRST_VM, LAST_LEAF_VM, n, UNTRACKED_VM));
        vms.removeIf(i -> i > n);
        List<String> argv = new ArrayList<>(List.of("python3", "-c", Py.CONNECT_LATENCY,
                Integer.toString(BenchHost.PROBE_PORT), "20", Integer.toString(count)));
        vms.forEach(i -> argv.add(BenchHost.ipv4(i)));
        Sh.Result r = Sh.run(Sh.ns(tb.remoteNamespace(), argv), null, 300).orThrow();
        Map<String, String> lineOf = new LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                lineOf.put(line.split(" ")[0], line);
            }
        }
        for (int i : new LinkedHashSet<>(vms)) {
            String[] f = lineOf.getOrDefault(BenchHost.ipv4(i), "x 0 0").trim().split("\\s+");
            List<Double> values = new ArrayList<>();
            for (int j = 3; j < f.length; j++) {
                values.add(Double.parseDouble(f[j]));
            }
            String key = "VM #" + i + (i == UNTRACKED_VM ? " (untracked)" : i == LAST_LEAF_VM ? " (last device in"
                    + " dispatch order)" : "");
            into.put(key, Stats.of(values));
            if (failures != null) {
                failures.put(key, Integer.parseInt(f[2]));
            }
            log(String.format("  %-40s median %.0f us, p90 %.0f us (%d ok, %s failed)", key, Stats.of(values).p50(),
                    Stats.of(values).p90(), values.size(), f[2]));
        }
    }

    // ------------------------------------------------------------------------------------------------ 5. conntrack

    private void conntrack(AgentProc agent) throws IOException {
        results.flows = flows;
        String target = BenchHost.ipv4(UNTRACKED_VM);
        String tracked = BenchHost.ipv4(FIRST_VM);
        if (Knobs.quick()) {
            pressure(agent);
            return;
        }
        log("conntrack: " + flows + " TCP connections to an untracked and to a tracked VM");
        tb.conntrackFlush();
        long c0 = tb.conntrackCount();
        double[] u = flood(target, flows);
        long c1 = tb.conntrackCount();
        results.entriesUntracked = c1 - c0;
        tb.conntrackFlush();
        c0 = tb.conntrackCount();
        double[] t = flood(tracked, flows);
        c1 = tb.conntrackCount();
        results.entriesTracked = c1 - c0;
        results.floodFailures += (int) (u[1] + t[1]);
        tb.conntrackFlush();
        double[] rates = rates(target, tracked);
        results.rateUntrackedEmpty = rates[0];
        results.rateTrackedEmpty = rates[1];
        log(String.format("  entries: untracked %d, tracked %d; rate (empty table): untracked %.0f/s, tracked %.0f/s",
                results.entriesUntracked, results.entriesTracked, results.rateUntrackedEmpty,
                results.rateTrackedEmpty));
        tb.conntrackFlush();

        pressure(agent);
        tb.conntrackFlush();
    }

    /**
     * One-VM updates (agent and raw floor interleaved) with the conntrack table pre-filled: each update lists and
     * deletes the flows the new rules no longer allow (B6), so its cost may grow with the table.
     */
    private void pressure(AgentProc agent) throws IOException {
        tb.conntrackFlush();
        long max = conntrackMax();
        boolean rates = !Knobs.quick();
        if (max < prefill + (rates ? 3L * flows : 1000)) {
            results.notes.add("nf_conntrack_max is " + max + " (read at the prefill step; the benchmark does not"
                    + " change it): the table was not pre-filled with " + prefill + " entries");
            log("  nf_conntrack_max " + max + " too low to pre-fill " + prefill + " entries: skipped");
        } else {
            // Pre-fill with ESTABLISHED entries between benchmarking addresses (198.18.0.0/15, RFC 2544): no packet
            // is sent, the entries only occupy the table the new connections are inserted into.
            StringBuilder file = new StringBuilder(prefill * 110);
            for (int k = 0; k < prefill; k++) {
                file.append("-I -s 198.18.").append((k >> 16) & 0xff).append('.').append((k >> 8) & 0xff)
                        .append(" -d 198.19.").append(k & 0xff).append('.').append((k >> 8) & 0x0f)
                        .append(" -p tcp --sport ").append(1024 + (k % 60000)).append(" --dport 443")
                        .append(" --state ESTABLISHED -t 3600 -u ASSURED\n");
            }
            Path f = work.resolve("conntrack.prefill");
            Files.writeString(f, file.toString());
            Sh.Result load = Sh.run(Sh.ns(tb.hvNamespace(), List.of("conntrack", "-R", f.toString())), null, 300);
            results.prefillSeconds = load.millis() / 1000;
            results.prefillEntries = tb.conntrackCount();
            log(String.format("  pre-filled: %d entries in %.1f s (%s)", results.prefillEntries,
                    results.prefillSeconds, load.ok() ? "ok" : load.err().strip()));
            if (rates) {
                double[] full = rates(BenchHost.ipv4(UNTRACKED_VM), BenchHost.ipv4(FIRST_VM));
                results.rateUntrackedFull = full[0];
                results.rateTrackedFull = full[1];
                log(String.format("  rate with %d entries: untracked %.0f/s, tracked %.0f/s", tb.conntrackCount(),
                        results.rateUntrackedFull, results.rateTrackedFull));
            }
            // One-VM updates while the table is that full: each update lists conntrack entries (B6).
            results.pressureEntries = tb.conntrackCount();
            UpdateLoop.Samples s = updateLoop(agent).run(Knobs.integer("pressureUpdates", 30));
            results.updateUnderPressureMs = Stats.of(s.agent());
            results.floorUnderPressureMs = Stats.of(s.floor());
            log(String.format("  one-VM update with %d conntrack entries: p50 %.0f / p90 %.0f / p99 %.0f ms (raw restore"
                            + " p99 %.0f ms, %d samples)", results.pressureEntries, results.updateUnderPressureMs.p50(),
                    results.updateUnderPressureMs.p90(), results.updateUnderPressureMs.p99(),
                    results.floorUnderPressureMs.p99(), s.agent().size()));
        }
        tb.conntrackFlush();
    }

    /**
     * Two full syncs while the table holds the pre-fill again: one narrowing every VM (B6 judges all their flows
     * from one listing), then one removing every VM: B7 flushes the flows of all their addresses. Each address and direction by the tool's own filter would walk the whole table in user space
     * (6 walks per VM: IPv4, IPv6, link-local); the agent lists the table once and deletes only the addresses it
     * holds. Runs last: it leaves the agent without VMs.
     */
    private void hostWideSyncs(AgentProc agent) throws IOException {
        Path prefillFile = work.resolve("conntrack.prefill");
        if (!Files.exists(prefillFile)) {
            return;
        }
        Sh.run(Sh.ns(tb.hvNamespace(), List.of("conntrack", "-R", prefillFile.toString())), null, 300);
        results.clearAllEntries = tb.conntrackCount();
        // First a sync that narrows every VM (one ingress rule's port changes): each VM's flows are judged (B6),
        // from one listing of the table for all of them.
        log("PUT /api/v1/vms narrowing every VM (one ingress port changed) with " + results.clearAllEntries
                + " conntrack entries");
        AgentProc.Response narrow = agent.put("/api/v1/vms", BenchHost.hostJson(n, i -> 1_000_000L, i -> 1));
        results.narrowAllMs = narrow.status() == 200 ? narrow.millis() : Double.NaN;
        log(String.format("  %.0f ms (HTTP %d)", narrow.millis(), narrow.status()));
        log("PUT /api/v1/vms with no VMs (removes all " + n + ") with " + results.clearAllEntries
                + " conntrack entries");
        AgentProc.Response r = agent.put("/api/v1/vms", "{\"vms\":{}}");
        results.clearAllMs = r.status() == 200 ? r.millis() : Double.NaN;
        log(String.format("  %.0f ms (HTTP %d)", r.millis(), r.status()));
        tb.conntrackFlush();
    }

    /** {ok, failed, seconds} of count TCP connections from the remote to ip:80, two client processes. */
    private double[] flood(String ip, int count) {
        Sh.Result r = Sh.run(Sh.ns(tb.remoteNamespace(), List.of("python3", "-c", Py.FLOOD, ip,
                Integer.toString(BenchHost.PROBE_PORT), Integer.toString(count), "2")), null, 600).orThrow();
        String[] f = r.out().strip().split("\\s+");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
    }

    /** New connections per second to {untracked, tracked}: flows each, in 4 alternating rounds against drift. */
    private double[] rates(String untracked, String tracked) {
        double[] ok = new double[2];
        double[] seconds = new double[2];
        String[] targets = {untracked, tracked};
        for (int round = 0; round < 4; round++) {
            for (int k = 0; k < 2; k++) {
                int which = (round % 2 == 0) ? k : 1 - k;
                double[] f = flood(targets[which], Math.max(1, flows / 4));
                ok[which] += f[0];
                seconds[which] += f[2];
                results.floodFailures += (int) f[1];
            }
        }
        return new double[] {ok[0] / seconds[0], ok[1] / seconds[1]};
    }

    // ------------------------------------------------------------------------------------------------ 6. restart

    private void restarts(Path stateA) throws Exception {
        log("restart on the programmed hypervisor with " + n + " VMs stored");
        try (AgentProc agent = AgentProc.start(jar, tb.hvNamespace(), stateA, work.resolve("agent-hv-restart.log"))) {
            results.restartMs = agent.startupMillis();
            results.restartRssMb = agent.rssKb() / 1024.0;
            AgentProc.Response list = agent.get("/api/v1/vms");
            if (list.status() != 200 || countOccurrences(list.body(), "\"appliedAt\"") != n) {
                results.notes.add("after the restart GET /api/v1/vms did not list " + n + " VMs");
            }
            results.peakRssMb = Math.max(results.peakRssMb, agent.peakRssKb() / 1024.0);
        }
        startupPhases(work.resolve("agent-hv-restart.log"));
        log(String.format("  ready after %.0f ms, RSS %.0f MiB; phases %s", results.restartMs, results.restartRssMb,
                results.restartPhases));

        log("start with " + n + " VMs stored on an empty kernel (host reboot)");
        // The agent keeps stored state for an empty kernel only in the initial namespace (a named namespace that
        // holds nothing of ours is new, and its state is discarded), so this agent runs inside namespace w as the
        // first process of a new PID namespace, the way it runs on a hypervisor.
        String w = addNamespace("w");
        Path stateW = work.resolve("state-w");
        deleteTree(stateW);
        Path from = stateA.resolve("netns-" + tb.hvNamespace()).resolve("vms");
        Path to = stateW.resolve("host").resolve("vms");
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        try (AgentProc agent = AgentProc.start(jar, w, true, stateW, work.resolve("agent-w.log"))) {
            results.coldBootMs = agent.startupMillis();
            results.coldBootRssMb = agent.rssKb() / 1024.0;
            results.peakRssMb = Math.max(results.peakRssMb, agent.peakRssKb() / 1024.0);
        }
        long programmed = countRules(Sh.inNs(w, "iptables-save").out());
        if (programmed < results.ruleLinesV4) {
            results.notes.add("the agent started on an empty kernel with " + n + " stored VMs programmed only "
                    + programmed + " IPv4 rules (expected " + results.ruleLinesV4 + ")");
            results.coldBootMs = Double.NaN;
        }
        log(String.format("  ready after %.0f ms, RSS %.0f MiB, %d IPv4 rules programmed", results.coldBootMs,
                results.coldBootRssMb, programmed));
        deleteNamespace(w);
    }

    // ------------------------------------------------------------------------------------------------ diagnostics

    /**
     * Where an update's time goes: the agent again on the hypervisor, with every kernel tool wrapped by a script
     * that logs its start, end and argv, for 10 sequential updates and a burst of 100.
     */
    private void diagnostics(Path stateA) throws Exception {
        Path bin = work.resolve("trace-bin");
        deleteTree(bin);
        Files.createDirectories(bin);
        Path trace = work.resolve("trace.log");
        String wrapper = "#!/bin/bash\n"
                + "s=$EPOCHREALTIME\n"
                + "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \"${0##*/}\" \"$@\"\n"
                + "rc=$?\n"
                + "printf '%s %s %s %s\\n' \"$s\" \"$EPOCHREALTIME\" \"$rc\" \"${0##*/} $*\" >> " + trace + "\n"
                + "exit $rc\n";
        Path script = bin.resolve("trace-tool");
        Files.writeString(script, wrapper);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String tool : List.of("iptables-restore", "ip6tables-restore", "ebtables-nft-restore", "iptables-save",
                "ip6tables-save", "ebtables-nft-save", "ipset", "conntrack", "sysctl")) {
            Files.createSymbolicLink(bin.resolve(tool), script);
        }
        List<Double> netns = new ArrayList<>();
        for (int k = 0; k < 30; k++) {
            netns.add(Sh.inNs(tb.hvNamespace(), "true").millis());
        }
        results.netnsExecMs = Stats.of(netns).p50();
        log("diagnostics: traced agent, 10 updates and a burst");
        try (AgentProc agent = AgentProc.start(jar, tb.hvNamespace(), stateA, work.resolve("agent-hv-trace.log"),
                "--sgagent.netfilter.tool-path=" + bin)) {
            int vm = Math.min(UPDATE_VM, n);
            for (int k = 0; k < 5; k++) {
                update(agent, vm); // warm-up: the first requests of a fresh JVM are slower
            }
            Files.deleteIfExists(trace);
            double t0 = epoch();
            List<Double> latencies = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                latencies.add(update(agent, vm).millis());
            }
            double t1 = epoch();
            results.diagUpdateMs = Stats.of(latencies).p50();
            summarise(trace, t0, t1, 10, results.toolsPerUpdate);
            int size = Math.min(Integer.getInteger("bench.diagBurst", 20), n);
            results.diagBurstSize = size;
            ExecutorService pool = Executors.newFixedThreadPool(size);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            double b0 = epoch();
            for (int i = 1; i <= size; i++) {
                int vmi = i;
                variant[vmi]++;
                seq[vmi]++;
                String body = BenchHost.json(vmi, seq[vmi], variant[vmi]);
                all.add(CompletableFuture.runAsync(() -> agent.put("/api/v1/vms/" + BenchHost.name(vmi), body), pool));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            double b1 = epoch();
            pool.shutdown();
            results.diagBurstMs = (b1 - b0) * 1000;
            summarise(trace, b0, b1, 1, results.toolsPerBurst);
        }
        for (Map.Entry<String, double[]> e : results.toolsPerUpdate.entrySet()) {
            log(String.format("  per update: %-22s %5.1f calls, %6.1f ms each (tool only)", e.getKey(), e.getValue()[0],
                    e.getValue()[1]));
        }
        for (Map.Entry<String, double[]> e : results.toolsPerBurst.entrySet()) {
            log(String.format("  burst of %d: %-22s %5.0f calls, %6.1f ms each (tool only)", results.diagBurstSize,
                    e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
    }

    private static double epoch() {
        Instant now = Instant.now();
        return now.getEpochSecond() + now.getNano() / 1e9;
    }

    private static void summarise(Path trace, double from, double to, int divide, Map<String, double[]> into)
            throws IOException {
        if (!Files.exists(trace)) {
            return;
        }
        Map<String, List<Double>> byTool = new TreeMap<>();
        for (String line : Files.readAllLines(trace)) {
            String[] f = line.split(" ");
            if (f.length < 4) {
                continue;
            }
            double s = Double.parseDouble(f[0]);
            double e = Double.parseDouble(f[1]);
            if (s < from || e > to) {
                continue;
            }
            String tool = f[3];
            if (tool.equals("conntrack") && f.length > 4) {
                tool = "conntrack " + f[4];
            } else if (tool.equals("ipset") && f.length > 4) {
                tool = "ipset " + f[4];
            }
            byTool.computeIfAbsent(tool, k -> new ArrayList<>()).add((e - s) * 1000);
        }
        for (Map.Entry<String, List<Double>> e : byTool.entrySet()) {
            double sum = e.getValue().stream().mapToDouble(Double::doubleValue).sum();
            into.put(e.getKey(), new double[] {e.getValue().size() / (double) divide, sum / e.getValue().size()});
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private String addNamespace(String suffix) {
        String name = PREFIX + "-" + suffix;
        Sh.run(List.of("ip", "netns", "del", name));
        Sh.run(List.of("ip", "netns", "add", name)).orThrow();
        extraNamespaces.add(name);
        Sh.run(List.of("ip", "-n", name, "link", "set", "lo", "up")).orThrow();
        return name;
    }

    private void deleteNamespace(String name) {
        Sh.Result pids = Sh.run(List.of("ip", "netns", "pids", name));
        for (String pid : pids.out().split("\\s+")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        Sh.run(List.of("ip", "netns", "del", name));
        extraNamespaces.remove(name);
    }

    private void cleanUp() {
        for (Process p : servers) {
            p.destroyForcibly();
        }
        for (String ns : new ArrayList<>(extraNamespaces)) {
            deleteNamespace(ns);
        }
        if (tb != null) {
            try {
                tb.close();
            } catch (RuntimeException e) {
                System.err.println("[bench] testbed cleanup: " + e.getMessage());
            }
        }
        List<String> left = Sh.run(List.of("ip", "netns", "list")).out().lines()
                .filter(l -> l.startsWith(PREFIX + "-")).toList();
        if (!left.isEmpty()) {
            System.err.println("[bench] namespaces left behind: " + left);
            results.notes.add("namespaces left behind: " + left);
        }
        long max = conntrackMax();
        results.machine.put("nf_conntrack_max at the end", Long.toString(max));
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name, String label) {
        return AgentProc.metric(after, name, label) - AgentProc.metric(before, name, label);
    }

    static long conntrackMax() {
        try {
            return Long.parseLong(readProc("/proc/sys/net/netfilter/nf_conntrack_max"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String readProc(String path) {
        try (var in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String loadAverage() {
        String[] f = readProc("/proc/loadavg").split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "?";
    }

    private static String firstLine(Sh.Result r) {
        String out = (r.out().isBlank() ? r.err() : r.out()).strip();
        int nl = out.indexOf('\n');
        return nl < 0 ? out : out.substring(0, nl);
    }

    private static int countOccurrences(String s, String what) {
        int count = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            count++;
        }
        return count;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            List<Path> paths = walk.collect(Collectors.toCollection(ArrayList::new));
            Collections.reverse(paths);
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }
}
