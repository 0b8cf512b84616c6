package io.sgagent.bench.jmh;

import io.sgagent.bench.BenchHost;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The CPU side of an apply, without a kernel: compiling the 1000-VM x 40-rule host of the hypervisor benchmark
 * ({@link BenchHost}), rendering its full restore text (cold programming), and the incremental diff of a one-VM
 * update (what the agent writes per PUT). Lives outside {@code src/test/java} because only the {@code bench}
 * Maven profile puts JMH on the classpath.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class CompilerBenchmark {
    private static final int VMS = 1000;
    private static final int CHANGED_VM = 500;

    private final RulesetCompiler compiler = new RulesetCompiler();
    private HostState host;
    private HostState changed;
    private Ruleset before;
    private Ruleset after;
    private Ruleset last;
    private int flip;

    @Setup
    public void setUp() {
        host = BenchHost.host(VMS, i -> 1, i -> 0);
        changed = host.with(BenchHost.vm(CHANGED_VM, 2, 1));
        before = compiler.compile(host);
        after = compiler.compile(changed);
        last = after;
        if (RestoreRenderer.renderDiff(before.ipv4(), after.ipv4()).isEmpty()) {
            throw new IllegalStateException("the one-VM change produced no diff");
        }
    }

    /** {@code new RulesetCompiler().compile(host)} for 1000 VMs x 40 rules. */
    @Benchmark
    public Ruleset compile1000Vms() {
        return new RulesetCompiler().compile(host);
    }

    /** The full restore text of every family and the sets (what a cold apply writes). */
    @Benchmark
    public void renderFull1000Vms(Blackhole hole) {
        for (var family : before.families()) {
            hole.consume(RestoreRenderer.render(family));
        }
        hole.consume(IpsetRenderer.render(before.sets(), java.util.Map.of()));
    }

    /** The incremental diff of a one-VM change: {@code RestoreRenderer.renderDiff} and {@code IpsetRenderer.renderDiff}. */
    @Benchmark
    public void renderDiffOneVm(Blackhole hole) {
        for (int f = 0; f < 3; f++) {
            hole.consume(RestoreRenderer.renderDiff(before.families().get(f), after.families().get(f)));
        }
        hole.consume(IpsetRenderer.renderDiff(before.sets(), after.sets(), false));
        hole.consume(IpsetRenderer.renderDiff(before.sets(), after.sets(), true));
    }

    /**
     * Everything the CPU does for one PUT on a 1000-VM host: the new host state, compile, diff. The changed VM
     * alternates between two contents, so the long-lived compiler (as in the agent) really sees a change each time
     * and cannot reuse the last compile of that VM.
     */
    @Benchmark
    public void updateOneVmEndToEnd(Blackhole hole) {
        flip ^= 1;
        HostState next = host.with(BenchHost.vm(CHANGED_VM, 2 + flip, 1 + flip));
        Ruleset compiled = compiler.compile(next);
        for (int f = 0; f < 3; f++) {
            hole.consume(RestoreRenderer.renderDiff(last.families().get(f), compiled.families().get(f)));
        }
        hole.consume(IpsetRenderer.renderDiff(last.sets(), compiled.sets(), false));
        hole.consume(IpsetRenderer.renderDiff(last.sets(), compiled.sets(), true));
        last = compiled;
    }
}
