package io.sgagent.bench.jmh;

import io.sgagent.bench.BenchHost;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.state.FileStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The in-JVM work of one single-VM PUT on a 1000-VM x 40-rule host in steady state (issue 11: "an update's work
 * must be proportional to the change"): each invocation flips one rule of VM 500 and does what the host
 * transaction does before and around the kernel write, on one long-lived compiler (as in the agent): the new host
 * state, the compile, the incremental restore and ipset texts against the previous ruleset, the state write of the
 * one VM, and the next snapshot's status map. The parts are also measured alone to show where the time goes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class UpdateBenchmark {
    private static final int VMS = 1000;
    private static final int CHANGED_VM = 500;

    private final RulesetCompiler compiler = new RulesetCompiler();
    private Path stateDir;
    private FileStateStore store;
    private HostState host;
    private Ruleset ruleset;
    private Map<String, Object> statuses;
    private Vm[] variants;
    private HostState[] hosts;
    private Ruleset[] compiledHosts;
    private int flip;

    @Setup
    public void setUp() throws IOException {
        stateDir = Files.createTempDirectory("sga-bench-state");
        store = new FileStateStore(stateDir);
        host = BenchHost.host(VMS, i -> 1, i -> 0);
        ruleset = compiler.compile(host);
        statuses = new HashMap<>();
        host.vms().forEach((name, vm) -> statuses.put(name, vm));
        variants = new Vm[] {BenchHost.vm(CHANGED_VM, 2, 1), BenchHost.vm(CHANGED_VM, 3, 2)};
        hosts = new HostState[] {host.with(variants[0]), host.with(variants[1])};
        compiledHosts = new Ruleset[] {compiler.compile(hosts[0]), compiler.compile(hosts[1])};
    }

    @TearDown
    public void tearDown() throws IOException {
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Vm nextVariant() {
        flip ^= 1;
        return variants[flip];
    }

    /** Everything in-JVM a one-VM PUT costs: host state, compile, diff texts, state write, status map. */
    @Benchmark
    public void transactionOneVm(Blackhole hole) throws Exception {
        Vm vm = nextVariant();
        HostState next = host.with(vm);
        Ruleset compiled = compiler.compile(next);
        diff(ruleset, compiled, hole);
        store.save(vm);
        Map<String, Object> nextStatuses = new HashMap<>(statuses);
        nextStatuses.put(vm.name(), vm);
        hole.consume(Map.copyOf(nextStatuses));
        host = next;
        ruleset = compiled;
    }

    /** {@code HostState.with}: the host-wide ownership check of devices, MACs and addresses. */
    @Benchmark
    public HostState hostWith() {
        return host.with(nextVariant());
    }

    /** The compile alone, alternating between two hosts that differ in one VM. */
    @Benchmark
    public Ruleset compileOneVmChanged() {
        flip ^= 1;
        return compiler.compile(hosts[flip]);
    }

    /** The diff texts alone, between two rulesets compiled one after the other by the long-lived compiler. */
    @Benchmark
    public void diffOneVmChanged(Blackhole hole) {
        flip ^= 1;
        diff(compiledHosts[flip ^ 1], compiledHosts[flip], hole);
    }

    /** The state write of the one changed VM (JSON, temp file, fsync, rename). */
    @Benchmark
    public void storeSave() throws Exception {
        store.save(nextVariant());
    }

    private static void diff(Ruleset before, Ruleset after, Blackhole hole) {
        for (int f = 0; f < 3; f++) {
            hole.consume(RestoreRenderer.renderDiff(before.families().get(f), after.families().get(f)));
        }
        hole.consume(IpsetRenderer.renderDiff(before.sets(), after.sets(), false));
        hole.consume(IpsetRenderer.renderDiff(before.sets(), after.sets(), true));
    }
}
