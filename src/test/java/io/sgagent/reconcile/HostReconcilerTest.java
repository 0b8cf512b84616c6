package io.sgagent.reconcile;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.host;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.compiler.ChainNames;
import io.sgagent.compiler.ConnMarks;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.fixtures.FakeKernel;
import io.sgagent.fixtures.InMemoryStateStore;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The single writer against a fake kernel: seq rules, rollback, batches, adoption, drift, limits. No root. */
class HostReconcilerTest {
    private final FakeKernel kernel = new FakeKernel();
    private final InMemoryStateStore store = new InMemoryStateStore();
    private final CountingObserver observer = new CountingObserver();
    private HostReconciler reconciler;

    @BeforeEach
    void start() throws Exception {
        reconciler = reconciler(1000);
        reconciler.start();
    }

    private HostReconciler reconciler(int vmsPerHost) {
        HostReconciler created = new HostReconciler(new RulesetCompiler(), new NetfilterExecutor(kernel, 10),
                new ConntrackClient(kernel), new KernelReader(kernel), store, Clock.systemUTC(), vmsPerHost);
        created.observe(observer);
        return created;
    }

    static Vm web(long seq, int port) {
        return aVm("web").seq(seq).nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), List.of("2001:db8::1"))
                .ingress(tcp(port).from(ANY4, ANY6)).build();
    }

    static Vm vm(String name, int n) {
        return aVm(name).nic("vnet" + n, String.format("02:00:00:00:01:%02x", n), List.of("10.0.1." + n),
                List.of()).ingress(tcp(22).from(ANY4)).build();
    }

    private Map<String, List<String>> ipv4Filter() {
        return kernel.chains("iptables", "filter");
    }

    @Test
    void aPutProgramsTheVmsChainsInBothFamilies() {
        assertThat(reconciler.put(web(1, 22))).isInstanceOf(PutOutcome.Applied.class);

        assertThat(kernel.chain("iptables", "filter", ChainNames.ingress("web"))).anyMatch(r -> r.contains("22"));
        assertThat(kernel.chain("ip6tables", "filter", ChainNames.ingress("web"))).anyMatch(r -> r.contains("22"));
        assertThat(reconciler.repairDrift()).isEmpty();
    }

    @Test
    void seqRulesB10() {
        reconciler.put(web(5, 22));
        kernel.forgetCalls();

        assertThat(reconciler.put(web(5, 22))).isInstanceOf(PutOutcome.Unchanged.class);
        assertThat(kernel.writes()).as("same seq, same content writes nothing").isEmpty();
        assertThat(reconciler.put(web(4, 22))).isEqualTo(new PutOutcome.StaleSeq(4, 5));
        assertThat(reconciler.put(web(5, 80))).isEqualTo(new PutOutcome.SeqReused(5));
        assertThat(kernel.writes()).isEmpty();
        assertThat(reconciler.get("web").orElseThrow().vm().seq()).isEqualTo(5);
    }

    @Test
    void whenIp6tablesRefusesAfterIptablesCommittedThePreviousRulesStayInForceB9() {
        reconciler.put(web(1, 22));
        Map<String, List<String>> v4Before = ipv4Filter();
        kernel.failTool("ip6tables-restore");

        PutOutcome outcome = reconciler.put(web(2, 80));

        assertThat(outcome).isInstanceOf(PutOutcome.Failed.class);
        assertThat(ipv4Filter()).as("IPv4 rolled back").isEqualTo(v4Before);
        assertThat(store.load().get("web").seq()).as("store undone").isEqualTo(1);
        assertThat(reconciler.get("web").orElseThrow().vm().seq()).isEqualTo(1);
        assertThat(reconciler.lastApplySucceeded()).isFalse();
        assertThat(observer.failures).containsKey("ipv6");

        kernel.clearFaults();
        assertThat(reconciler.put(web(2, 80))).isInstanceOf(PutOutcome.Applied.class);
        assertThat(reconciler.lastApplySucceeded()).isTrue();
    }

    @Test
    void aStoreThatRefusesLeavesTheKernelUntouched() {
        reconciler.put(web(1, 22));
        kernel.forgetCalls();
        store.refuseWrites(true);

        assertThat(reconciler.put(web(2, 80))).isInstanceOf(PutOutcome.Failed.class);
        assertThat(kernel.writes()).isEmpty();
    }

    @Test
    void aFailedIncrementalApplyFallsBackToAFullOne() {
        reconciler.put(web(1, 22));
        kernel.failNthCall("iptables-restore", 1);

        assertThat(reconciler.put(web(2, 80))).isInstanceOf(PutOutcome.Applied.class);

        assertThat(observer.fallbacks.get()).isEqualTo(1);
        assertThat(observer.failures).containsEntry("ipv4", 1);
        assertThat(kernel.chain("iptables", "filter", ChainNames.ingress("web"))).anyMatch(r -> r.contains("80"));
        assertThat(reconciler.repairDrift()).isEmpty();
    }

    @Test
    void aBatchWithOneBadWriteAppliesTheOthersAlone() {
        HostTransaction transaction = transactionOf(reconciler);
        kernel.fail(call -> call.stdin() != null && call.stdin().contains("vnet9"), Integer.MAX_VALUE,
                "the kernel refuses vnet9");
        PendingWrite.Put good = new PendingWrite.Put(vm("good", 1));
        PendingWrite.Put bad = new PendingWrite.Put(vm("bad", 9));

        transaction.applyBatch(List.of(good, bad));

        assertThat(good.outcome()).isInstanceOf(PutOutcome.Applied.class);
        assertThat(bad.outcome()).isInstanceOf(PutOutcome.Failed.class);
        assertThat(store.load()).containsOnlyKeys("good");
        assertThat(ipv4Filter()).containsKey(ChainNames.ingress("good")).doesNotContainKey(ChainNames.ingress("bad"));
    }

    @Test
    void aRestartOnAnUnchangedKernelWritesNothing() throws Exception {
        reconciler.put(web(1, 22));
        reconciler.put(vm("db", 2));
        kernel.forgetCalls();

        HostReconciler restarted = reconciler(1000);
        restarted.start();

        assertThat(kernel.writes()).isEmpty();
        assertThat(restarted.get("web").orElseThrow().appliedAt()).isNotNull();
        assertThat(restarted.lastApplySucceeded()).isTrue();
    }

    @Test
    void driftRepairRestoresAFlushedChainADeletedHookAndAnEmptiedSet() {
        Vm open = aVm("open").nic("vnet3", "02:00:00:00:00:03", List.of("10.0.0.3"), List.of())
                .ingress(all().from(ANY4, ANY6)).build();
        reconciler.put(web(1, 22));
        reconciler.put(open);
        Map<String, List<String>> v4 = ipv4Filter();
        String notrack = ChainNames.notrackSet(Family.IPV4);
        assertThat(kernel.set(notrack)).contains("10.0.0.3");
        String hooked = v4.get("FORWARD").get(0);

        kernel.flushChain("iptables", "filter", ChainNames.ingress("web"));
        kernel.deleteRule("iptables", "filter", "FORWARD", 0);
        kernel.flushSet(notrack);
        List<String> repaired = reconciler.repairDrift();

        assertThat(repaired).anyMatch(o -> o.startsWith("chain ")).anyMatch(o -> o.startsWith("hook "))
                .anyMatch(o -> o.startsWith("set "));
        assertThat(ipv4Filter()).isEqualTo(v4);
        assertThat(ipv4Filter().get("FORWARD")).first().isEqualTo(hooked);
        assertThat(kernel.set(notrack)).contains("10.0.0.3");
        assertThat(observer.driftChecks.get()).isEqualTo(1);
        assertThat(reconciler.repairDrift()).isEmpty();
    }

    @Test
    void bridgeNetfilterTurnedOffIsDriftToo() {
        kernel.sysctl("net.bridge.bridge-nf-call-iptables", "0");

        assertThat(reconciler.repairDrift()).contains("sysctl net.bridge.bridge-nf-call-iptables");
        assertThat(reconciler.repairDrift()).isEmpty();
    }

    @Test
    void vmsPerHostHoldsExactlyUnderConcurrentPuts() throws Exception {
        HostReconciler limited = reconciler(3);
        limited.start();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<PutOutcome>> puts = new ArrayList<>();
            for (int i = 1; i <= 12; i++) {
                Vm vm = vm("vm" + i, i);
                puts.add(() -> limited.put(vm));
            }
            List<PutOutcome> outcomes = new ArrayList<>();
            for (Future<PutOutcome> f : pool.invokeAll(puts)) {
                outcomes.add(f.get());
            }
            assertThat(outcomes).filteredOn(o -> o instanceof PutOutcome.Applied).hasSize(3);
            assertThat(outcomes).filteredOn(o -> o instanceof PutOutcome.Conflict c
                    && c.message().contains("sgagent.limits.vms-per-host")).hasSize(9);
            assertThat(limited.list()).hasSize(3);
            assertThat(store.load()).hasSize(3);
            // An existing VM may still change on a full host.
            Vm first = limited.list().get(0).vm();
            assertThat(limited.put(new Vm(first.name(), first.vmId(), first.seq() + 1, first.nics(), List.of(),
                    first.egress()))).isInstanceOf(PutOutcome.Applied.class);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fullHostSyncSharesTheSeqRulesAndTheLimit() {
        reconciler.put(web(5, 22));

        assertThat(reconciler.replaceAll(host(web(4, 22)))).isInstanceOf(ReplaceOutcome.Rejected.class);
        assertThat(reconciler.replaceAll(host(web(5, 80)))).isInstanceOf(ReplaceOutcome.Rejected.class);
        ReplaceOutcome applied = reconciler.replaceAll(host(vm("db", 2)));
        assertThat(applied).isInstanceOf(ReplaceOutcome.Applied.class);
        assertThat(((ReplaceOutcome.Applied) applied).removed()).containsExactly("web");
        assertThat(ipv4Filter()).doesNotContainKey(ChainNames.ingress("web")).containsKey(ChainNames.ingress("db"));
        assertThat(reconciler.repairDrift()).isEmpty();

        HostReconciler limited = reconciler(1);
        assertThat(limited.replaceAll(host(vm("a", 3), vm("b", 4)))).isInstanceOf(ReplaceOutcome.Rejected.class);
    }

    @Test
    void deleteRemovesEveryTraceAndItsFlows() {
        reconciler.put(web(1, 22));
        kernel.addFlow("tcp      6 431999 ESTABLISHED src=10.0.0.9 dst=10.0.0.1 sport=40000 dport=22 "
                + "src=10.0.0.1 dst=10.0.0.9 sport=22 dport=40000 [ASSURED] mark=0 use=1");

        assertThat(reconciler.delete("web")).isInstanceOf(DeleteOutcome.Deleted.class);

        assertThat(kernel.flows()).isEmpty();
        assertThat(ipv4Filter()).doesNotContainKey(ChainNames.ingress("web"));
        assertThat(reconciler.delete("web")).isInstanceOf(DeleteOutcome.NotFound.class);
    }

    @Test
    void aFullSyncRemovingManyVmsFlushesAllTheirFlowsInOneProcessB7() {
        List<Vm> vms = java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(n -> vm("vm" + n, n)).toList();
        reconciler.replaceAll(host(vms.toArray(Vm[]::new)));
        for (int n = 1; n <= 20; n++) {
            kernel.addFlow("tcp      6 431999 ESTABLISHED src=10.0.1." + n + " dst=198.51.100.9 sport=40000 dport=443 "
                    + "src=198.51.100.9 dst=10.0.1." + n + " sport=443 dport=40000 [ASSURED] mark=0 use=1");
        }
        kernel.forgetCalls();

        // vm1 stays, the 19 others go: their flows go with them (B7), in one conntrack process.
        assertThat(reconciler.replaceAll(host(vms.get(0)))).isInstanceOf(ReplaceOutcome.Applied.class);

        assertThat(kernel.flows()).hasSize(1).allSatisfy(flow -> assertThat(flow).contains("src=10.0.1.1 "));
        // The table was listed once; of the 19 VMs' 76 addresses and directions (IPv4 and the MAC's link-local
        // address, -s and -d each) only the 19 the table holds are deleted: each IPv4 address as a source.
        assertThat(kernel.calls()).filteredOn(call -> call.tool().equals("conntrack") && call.argv().contains("-L"))
                .hasSize(1);
        assertThat(kernel.calls()).filteredOn(call -> call.tool().equals("conntrack") && call.isWrite())
                .singleElement().satisfies(call -> assertThat(call.stdin().lines()).hasSize(19)
                        .allSatisfy(line -> assertThat(line).startsWith("-D -f ipv4 -s 10.0.1.")));
    }

    @Test
    void narrowingCutsTheFlowsTheNewRulesNoLongerAllowB6() {
        reconciler.put(web(1, 22));
        // Marked as web's ingress chain marks it (ConnmarkCleanupTest covers the listing by mark).
        String ssh = "tcp      6 431999 ESTABLISHED src=10.0.0.9 dst=10.0.0.1 sport=40000 dport=22 "
                + "src=10.0.0.1 dst=10.0.0.9 sport=22 dport=40000 [ASSURED] mark="
                + ConnMarks.DEFAULT.ingressValue("web") + " use=1";
        kernel.addFlow(ssh);

        reconciler.put(web(2, 80));

        assertThat(kernel.flows()).doesNotContain(ssh);
    }

    @Test
    void theWriteLockWaitIsReported() {
        reconciler.put(web(1, 22));

        assertThat(observer.lockWaits.get()).isPositive();
    }

    static HostTransaction transactionOf(HostReconciler reconciler) {
        try {
            var field = HostReconciler.class.getDeclaredField("transaction");
            field.setAccessible(true);
            return (HostTransaction) field.get(reconciler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class CountingObserver implements ApplyObserver {
        final AtomicInteger fallbacks = new AtomicInteger();
        final AtomicInteger driftChecks = new AtomicInteger();
        final AtomicInteger lockWaits = new AtomicInteger();
        final Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void applied(Duration duration, boolean succeeded) {
        }

        @Override
        public void applyFellBack() {
            fallbacks.incrementAndGet();
        }

        @Override
        public void applyFailed(String family) {
            failures.merge(family, 1, Integer::sum);
        }

        @Override
        public void driftChecked(Duration duration) {
            driftChecks.incrementAndGet();
        }

        @Override
        public void writeLockWaited(Duration waited) {
            lockWaits.incrementAndGet();
        }
    }
}
