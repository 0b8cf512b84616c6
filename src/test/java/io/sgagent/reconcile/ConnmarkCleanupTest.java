package io.sgagent.reconcile;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.compiler.ConnMarks;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.fixtures.FakeKernel;
import io.sgagent.fixtures.InMemoryStateStore;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import java.time.Clock;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * B6 cleanup lists a VM's flows by its connmark slots (kernel-filtered), judges only entries with one of its
 * addresses, and leaves everything else alone. The fake kernel filters {@code conntrack -L -m} by the line's
 * {@code mark=} the way the tool does; kernel ITs prove the marks are really written (ConntrackFlowsIT).
 */
class ConnmarkCleanupTest {
    private static final ConnMarks MARKS = ConnMarks.DEFAULT;
    private final FakeKernel kernel = new FakeKernel();
    private HostReconciler reconciler;

    @BeforeEach
    void start() throws Exception {
        reconciler = new HostReconciler(new RulesetCompiler(MARKS), new NetfilterExecutor(kernel, 10),
                new ConntrackClient(kernel), new KernelReader(kernel), new InMemoryStateStore(), Clock.systemUTC(),
                100);
        reconciler.start();
    }

    static Vm web(long seq, int port) {
        return aVm("web").seq(seq).nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), List.of("2001:db8::1"))
                .ingress(tcp(port).from(ANY4, ANY6)).build();
    }

    static Vm neighbour(String name, long seq, int port) {
        return aVm(name).seq(seq).nic("vnet2", "02:00:00:00:00:02", List.of("10.0.0.2"), List.of())
                .ingress(tcp(port).from(ANY4)).egress(tcp(port).to(ANY4)).build();
    }

    /** A name other than web whose slot is web's: the two share their marks. */
    static String sharingWebsSlot() {
        return IntStream.range(0, 100_000).mapToObj(i -> "vm" + i)
                .filter(name -> MARKS.slot(name) == MARKS.slot("web")).findFirst().orElseThrow();
    }

    static String flow(String src, String dst, int sport, int dport, long mark) {
        return "tcp      6 431999 ESTABLISHED src=" + src + " dst=" + dst + " sport=" + sport + " dport=" + dport
                + " src=" + dst + " dst=" + src + " sport=" + dport + " dport=" + sport + " [ASSURED] mark=" + mark
                + " use=1";
    }

    @Test
    void aNarrowingUpdateListsByMarkNeverByAddress() {
        reconciler.put(web(1, 22));
        kernel.forgetCalls();

        reconciler.put(web(2, 80));

        // One listing per mark field (ingress, egress), each covering both families (no -f).
        List<List<String>> listings = kernel.calls().stream().map(FakeKernel.Call::argv)
                .filter(argv -> argv.get(0).equals("conntrack") && argv.contains("-L")).toList();
        assertThat(listings).hasSize(2).allSatisfy(argv -> assertThat(argv).contains("-m")
                .doesNotContain("-s", "-d", "-f"));
        assertThat(listings).extracting(argv -> argv.get(argv.indexOf("-m") + 1)).containsExactlyInAnyOrder(
                MARKS.filtersOf("web").stream().map(f -> "0x" + Long.toHexString(f.value()) + "/0x"
                        + Long.toHexString(f.mask())).toArray(String[]::new));
    }

    static Vm numbered(int i, long seq, int port) {
        return aVm("vm" + i).seq(seq).nic("vnet" + (10 + i), String.format("02:00:00:00:01:%02x", i),
                List.of("10.0.1." + i), List.of()).ingress(tcp(port).from(ANY4)).build();
    }

    static HostState hostOf(int count, long seq, int port) {
        TreeMap<String, Vm> vms = new TreeMap<>();
        for (int i = 1; i <= count; i++) {
            vms.put("vm" + i, numbered(i, seq, port));
        }
        return new HostState(vms);
    }

    /**
     * A full sync that narrows more VMs than {@link ConntrackCleanup#LISTINGS_PER_VM_UP_TO} lists the table once
     * instead of twice per VM, and still cuts exactly what each VM's new rules no longer allow, by tuple and mark.
     */
    @Test
    void aSyncNarrowingManyVmsListsTheTableOnceAndCutsOnlyWhatTheyNoLongerAllow() {
        int count = ConntrackCleanup.LISTINGS_PER_VM_UP_TO + 1;
        reconciler.replaceAll(hostOf(count, 1, 22));
        List<String> kept = new java.util.ArrayList<>();
        for (int i = 1; i <= count; i++) {
            kernel.addFlow(flow("198.51.100.9", "10.0.1." + i, 40000, 22, MARKS.ingressValue("vm" + i)));
            kept.add(flow("198.51.100.9", "10.0.1." + i, 40001, 80, MARKS.ingressValue("vm" + i)));
        }
        // Unrelated entries: another host's flow without a mark, and one marked in a bit outside our mask.
        kept.add(flow("198.51.100.7", "198.51.100.8", 40002, 22, 0));
        kept.add(flow("198.51.100.7", "198.51.100.8", 40003, 22, 0x10000));
        kept.forEach(kernel::addFlow);
        kernel.forgetCalls();

        reconciler.replaceAll(hostOf(count, 2, 80));

        assertThat(kernel.flows()).containsExactlyInAnyOrderElementsOf(kept);
        assertThat(kernel.calls()).filteredOn(call -> call.tool().equals("conntrack") && call.argv().contains("-L"))
                .singleElement().satisfies(call -> assertThat(call.argv()).containsExactly("conntrack", "-L"));
        assertThat(kernel.calls()).filteredOn(call -> call.tool().equals("conntrack") && call.isWrite())
                .singleElement().satisfies(call -> assertThat(call.stdin().lines()).hasSize(count)
                        .allSatisfy(line -> assertThat(line).contains("--dport 22", "-m 0x")));
    }

    @Test
    void aFamilyWithoutAddressesIsNotJudged() {
        reconciler.put(neighbour("db", 1, 22));
        // An IPv6 flow carrying db's mark: db has no IPv6 address, so its IPv6 flows are not its rules' business.
        String v6 = flow("2001:db8::9", "fe80::2", 40000, 22, MARKS.ingressValue("db"));
        String v4 = flow("198.51.100.9", "10.0.0.2", 40000, 22, MARKS.ingressValue("db"));
        kernel.addFlow(v6);
        kernel.addFlow(v4);

        reconciler.put(neighbour("db", 2, 80));

        assertThat(kernel.flows()).containsExactly(v6);
    }

    @Test
    void theCutFlowsAreDeletedInOneProcess() {
        reconciler.put(web(1, 22));
        for (int port = 40000; port < 40005; port++) {
            kernel.addFlow(flow("198.51.100.9", "10.0.0.1", port, 22, MARKS.ingressValue("web")));
        }
        kernel.forgetCalls();

        reconciler.put(web(2, 80));

        assertThat(kernel.flows()).isEmpty();
        assertThat(kernel.calls()).filteredOn(call -> call.tool().equals("conntrack") && call.isWrite())
                .singleElement().satisfies(call -> assertThat(call.argv()).contains("-R"));
    }

    @Test
    void cutsFlowsMarkedInEitherFieldAndKeepsAllowedOnes() {
        reconciler.put(web(1, 22));
        String byIngress = flow("198.51.100.9", "10.0.0.1", 40000, 22, MARKS.ingressValue("web"));
        String byEgress = flow("198.51.100.9", "10.0.0.1", 40001, 22, MARKS.egressValue("web"));
        String stillAllowed = flow("198.51.100.9", "10.0.0.1", 40002, 80, MARKS.ingressValue("web"));
        List.of(byIngress, byEgress, stillAllowed).forEach(kernel::addFlow);

        reconciler.put(web(2, 80));

        assertThat(kernel.flows()).containsExactly(stillAllowed);
    }

    @Test
    void aVmToVmFlowIsCutWhenEitherSideNarrows() {
        Vm db = neighbour("db", 1, 22);
        reconciler.put(web(1, 22));
        reconciler.put(db);
        // db -> web:22. The original direction passed db's egress and web's ingress chain, a reply the other two.
        String original = flow("10.0.0.2", "10.0.0.1", 40000, 22, MARKS.egressValue("db") | MARKS.ingressValue("web"));
        String replied = flow("10.0.0.2", "10.0.0.1", 40001, 22, MARKS.egressValue("web") | MARKS.ingressValue("db"));
        kernel.addFlow(original);
        kernel.addFlow(replied);

        reconciler.put(web(2, 80));
        assertThat(kernel.flows()).as("web's ingress no longer allows port 22").isEmpty();

        reconciler.put(web(3, 22));
        kernel.addFlow(original);
        kernel.addFlow(replied);
        reconciler.put(neighbour("db", 2, 80));
        assertThat(kernel.flows()).as("db's egress no longer allows port 22").isEmpty();
    }

    @Test
    void aNeighbourSharingTheSlotKeepsItsFlows() {
        String other = sharingWebsSlot();
        reconciler.put(web(1, 22));
        reconciler.put(neighbour(other, 1, 22));
        String webs = flow("198.51.100.9", "10.0.0.1", 40000, 22, MARKS.ingressValue("web"));
        String neighbours = flow("198.51.100.9", "10.0.0.2", 40000, 22, MARKS.ingressValue(other));
        kernel.addFlow(webs);
        kernel.addFlow(neighbours);

        // web becomes untracked: its tracked flows with remote peers go stale and are cut; the neighbour's flow,
        // listed under the same mark, involves none of web's addresses and must not be judged by web's policy.
        reconciler.put(aVm("web").seq(2).nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"),
                List.of("2001:db8::1")).ingress(all().from(ANY4, ANY6)).build());

        assertThat(kernel.flows()).containsExactly(neighbours);
    }

    @Test
    void unmarkedFlowsAreLeftByUpdatesButFlushedOnDelete() {
        reconciler.put(web(1, 22));
        String beforeMarks = flow("198.51.100.9", "10.0.0.1", 40000, 22, 0);
        kernel.addFlow(beforeMarks);

        reconciler.put(web(2, 80));
        assertThat(kernel.flows()).as("not listed by mark (documented upgrade limit)").containsExactly(beforeMarks);

        reconciler.delete("web");
        assertThat(kernel.flows()).as("B7 flushes by address").isEmpty();
    }
}
