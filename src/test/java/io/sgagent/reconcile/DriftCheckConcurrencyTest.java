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
}
