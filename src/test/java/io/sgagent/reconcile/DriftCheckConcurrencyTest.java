package io.sgagent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.fixtures.FakeKernel;
import io.sgagent.fixtures.InMemoryStateStore;
import io.sgagent.netfilter.CommandRunner;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import io.sgagent.netfilter.ProcessResult;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 11: the drift check reads the kernel outside the write lock, so a slow read never holds up a PUT. */
class DriftCheckConcurrencyTest {

    /** Holds every {@code iptables-save} of the drift thread until released; everything else goes straight through. */
    static final class SlowSave implements CommandRunner {
        final FakeKernel kernel = new FakeKernel();
        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hold;

        @Override
        public ProcessResult run(List<String> argv, String stdin) {
            if (hold && argv.get(0).equals("iptables-save") && Thread.currentThread().getName().equals("drift")) {
                reading.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return kernel.run(argv, stdin);
        }
    }

    @Test
    void aPutCompletesWhileTheDriftCheckIsReadingTheKernel() throws Exception {
        SlowSave runner = new SlowSave();
        HostReconciler reconciler = new HostReconciler(new RulesetCompiler(), new NetfilterExecutor(runner, 10),
                new ConntrackClient(runner), new KernelReader(runner), new InMemoryStateStore(), Clock.systemUTC(),
                100);
        reconciler.start();
        reconciler.put(HostReconcilerTest.web(1, 22));
        runner.hold = true;

        CompletableFuture<List<String>> drift = new CompletableFuture<>();
        Thread thread = new Thread(() -> drift.complete(reconciler.repairDrift()), "drift");
        thread.start();
        assertThat(runner.reading.await(5, TimeUnit.SECONDS)).isTrue();

        PutOutcome outcome = CompletableFuture.supplyAsync(() -> reconciler.put(HostReconcilerTest.web(2, 80)))
                .get(5, TimeUnit.SECONDS);
        assertThat(outcome).isInstanceOf(PutOutcome.Applied.class);

        runner.release.countDown();
        // The check started from the old snapshot: it saw the new rules as drift, but must not "repair" them back.
        assertThat(drift.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(runner.kernel.chain("iptables", "filter", io.sgagent.compiler.ChainNames.ingress("web")))
                .anyMatch(rule -> rule.contains("80"));
        assertThat(reconciler.repairDrift()).isEmpty();
    }

    /** Holds the writer's {@code iptables-restore} until released, so a write is in progress for as long as needed. */
    static final class SlowRestore implements CommandRunner {
        final FakeKernel kernel = new FakeKernel();
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hold;

        @Override
        public ProcessResult run(List<String> argv, String stdin) {
            if (hold && argv.get(0).equals("iptables-restore")) {
                writing.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return kernel.run(argv, stdin);
        }
    }

    @Test
    void aDriftCheckThatFindsAWriteInProgressDoesNotReadTheKernelAndStillRunsUnderSteadyWrites() throws Exception {
        SlowRestore runner = new SlowRestore();
        HostReconciler reconciler = new HostReconciler(new RulesetCompiler(), new NetfilterExecutor(runner, 10),
                new ConntrackClient(runner), new KernelReader(runner), new InMemoryStateStore(), Clock.systemUTC(),
                100);
        reconciler.start();
        reconciler.put(HostReconcilerTest.web(1, 22));
        runner.hold = true;
        CompletableFuture<PutOutcome> put = CompletableFuture.supplyAsync(
                () -> reconciler.put(HostReconcilerTest.web(2, 80)));
        assertThat(runner.writing.await(5, TimeUnit.SECONDS)).isTrue();
        runner.kernel.forgetCalls();

        for (int round = 0; round < 3; round++) {
            assertThat(reconciler.repairDrift()).isEmpty();
        }
        assertThat(runner.kernel.calls()).as("skipped rounds read nothing").isEmpty();
        // The fourth round in a row reads anyway (a stream of writes must not starve the check); it sees the
        // half-written kernel as drift but leaves the repair to a later round, after the write.
        CompletableFuture<List<String>> fourth = CompletableFuture.supplyAsync(reconciler::repairDrift);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (runner.kernel.calls().stream().noneMatch(call -> call.tool().equals("iptables-save"))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(runner.kernel.calls()).extracting(FakeKernel.Call::tool).contains("iptables-save");

        runner.release.countDown();
        assertThat(put.get(5, TimeUnit.SECONDS)).isInstanceOf(PutOutcome.Applied.class);
        assertThat(fourth.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(reconciler.repairDrift()).isEmpty();
    }
}
