package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.compiler.ConnMarks;
import io.sgagent.testbed.LiveFlow;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-VM connmarks on a real kernel (docs/ruleset.md, "Connection marks"): the kernel writes each VM's slot into
 * the marks of the flows its chains see, a narrowing PUT cuts the VM's flows found by mark, and a neighbour, even
 * one whose slot is the same (so its entries are listed too), keeps its flows. Real flows decide; the marks are
 * read back from the kernel's own filtered dump.
 */
class ConnmarkIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgcm");
    private static final ConnMarks MARKS = ConnMarks.DEFAULT;
    private static final AtomicLong SEQ = new AtomicLong();
    private static final Duration CUT_WITHIN = Duration.ofSeconds(2);
    private static final String ANY4 = "0.0.0.0/0";
    private static final String ANY6 = "::/0";

    static RunningAgent agent;
    static Testbed tb;
    static Vm a;
    static Vm b;
    /** Shares a's slot: every entry it has is listed when a's flows are listed. */
    static Vm twin;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        a = tb.addVm("a", "vnet1", "02:00:00:00:08:0a", List.of("10.99.8.10"), List.of("fd99::8:10"));
        b = tb.addVm("b", "vnet2", "02:00:00:00:08:0b", List.of("10.99.8.20"), List.of("fd99::8:20"));
        String twinName = IntStream.range(0, 100_000).mapToObj(i -> "t" + i)
                .filter(name -> MARKS.slot(name) == MARKS.slot("a")).findFirst().orElseThrow();
        twin = tb.addVm(twinName, "vnet3", "02:00:00:00:08:0c", List.of("10.99.8.30"), List.of("fd99::8:30"));
        remote = tb.remote();
        agent = RunningAgent.start(tb.hvNamespace());
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    @BeforeEach
    void fresh() {
        for (Vm vm : List.of(a, b, twin)) {
            put(vm, body(vm).ingress(tcp(22, 22, ANY4, ANY6)));
        }
        tb.conntrackFlush();
    }

    private static VmBody body(Vm vm) {
        return VmBody.of(vm, SEQ.incrementAndGet());
    }

    private static void put(Vm vm, VmBody body) {
        agent.putVm(vm.name(), body).expect(200);
    }

    /** The kernel's dump filtered by mark ({@code conntrack -L -m}), restricted to entries of this flow. */
    private static List<String> markedEntries(String family, long value, long mask, LiveFlow flow) {
        String filter = "0x" + Long.toHexString(value) + "/0x" + Long.toHexString(mask);
        String port = "port=" + flow.localPort() + " ";
        return tb.execHv("conntrack", "-L", "-f", family, "-m", filter).lines()
                .filter(l -> l.contains("s" + port) || l.contains("d" + port)).toList();
    }

    private static List<String> entriesOf(LiveFlow flow, Vm vm) {
        String port = "port=" + flow.localPort() + " ";
        String address = flow.localAddress().contains(":") ? vm.ipv6() : vm.ipv4();
        return conntrackOf(tb, address).stream().filter(l -> l.contains("s" + port) || l.contains("d" + port))
                .toList();
    }

    private static void assertPasses(LiveFlow flow, String when) {
        assertThat(flow.exchange()).as("%s: %s should pass, but: %s", when, flow, flow.lastFailure()).isTrue();
    }

    private static void assertCut(LiveFlow flow, String when) {
        assertThat(flow.failsWithin(CUT_WITHIN)).as("%s: %s still passes %s after the PUT", when, flow, CUT_WITHIN)
                .isTrue();
    }

    @Test
    void theKernelMarksAFlowWithTheSlotOfEachChainItPasses() {
        try (LiveFlow in4 = LiveFlow.tcp(remote, a, a.ipv4(), 22);
             LiveFlow in6 = LiveFlow.tcp(remote, a, a.ipv6(), 22);
             LiveFlow between = LiveFlow.tcp(a, b, b.ipv4(), 22)) {
            assertPasses(in4, "open");
            assertPasses(in6, "open");
            assertPasses(between, "open");
            // remote -> a: a's ingress chain sees the requests, its egress chain the replies.
            assertThat(markedEntries("ipv4", MARKS.ingressValue("a"), MARKS.ingressField(), in4)).hasSize(1);
            assertThat(markedEntries("ipv4", MARKS.egressValue("a"), MARKS.egressField(), in4)).hasSize(1);
            assertThat(markedEntries("ipv6", MARKS.ingressValue("a"), MARKS.ingressField(), in6)).hasSize(1);
            // a -> b: the last packet (b's reply or a's request) left one VM's slot in each field.
            long both = MARKS.ingressField() | MARKS.egressField();
            List<String> asLastReplied = markedEntries("ipv4", MARKS.egressValue("b") | MARKS.ingressValue("a"), both,
                    between);
            List<String> asLastSent = markedEntries("ipv4", MARKS.egressValue("a") | MARKS.ingressValue("b"), both,
                    between);
            assertThat(asLastReplied.size() + asLastSent.size()).as("a and b both in the mark").isEqualTo(1);
        }
    }

    @Test
    void aNarrowingPutCutsTheVmsFlowsAndNoNeighboursEvenOneSharingItsSlot() {
        try (LiveFlow a4 = LiveFlow.tcp(remote, a, a.ipv4(), 22);
             LiveFlow a6 = LiveFlow.tcp(remote, a, a.ipv6(), 22);
             LiveFlow twin4 = LiveFlow.tcp(remote, twin, twin.ipv4(), 22);
             LiveFlow twin6 = LiveFlow.tcp(remote, twin, twin.ipv6(), 22);
             LiveFlow b4 = LiveFlow.tcp(remote, b, b.ipv4(), 22)) {
            for (LiveFlow f : List.of(a4, a6, twin4, twin6, b4)) {
                assertPasses(f, "before");
            }
            assertThat(markedEntries("ipv4", MARKS.ingressValue("a"), MARKS.ingressField(), twin4))
                    .as("the twin's flow is listed under a's mark").hasSize(1);

            put(a, body(a).ingress(tcp(80, 80, ANY4, ANY6)));

            assertThat(entriesOf(a4, a)).as("a's v4 entry deleted before the PUT answered").isEmpty();
            assertThat(entriesOf(a6, a)).as("a's v6 entry deleted before the PUT answered").isEmpty();
            assertCut(a4, "a narrowed");
            assertCut(a6, "a narrowed");
            for (LiveFlow f : List.of(twin4, twin6, b4)) {
                assertPasses(f, "a narrowed");
            }
            assertThat(entriesOf(twin4, twin)).hasSize(1);
            assertThat(entriesOf(twin6, twin)).hasSize(1);
            assertThat(entriesOf(b4, b)).hasSize(1);

            // a becomes untracked: its own stale entries would go; the twin's, listed too, are not a's to judge.
            put(a, body(a).ingress(all(ANY4, ANY6)));
            assertPasses(twin4, "a untracked");
            assertPasses(twin6, "a untracked");
            assertThat(entriesOf(twin4, twin)).as("twin keeps its v4 entry").hasSize(1);
            assertThat(entriesOf(twin6, twin)).as("twin keeps its v6 entry").hasSize(1);
        }
    }

    @Test
    void anUntrackedVmsFlowsPassTheMarkingRuleWithoutAnEntry() {
        put(a, body(a).ingress(all(ANY4, ANY6)));
        try (LiveFlow in4 = LiveFlow.tcp(remote, a, a.ipv4(), 22);
             LiveFlow in6 = LiveFlow.tcp(remote, a, a.ipv6(), 22)) {
            for (int i = 0; i < 3; i++) {
                assertPasses(in4, "untracked, round " + i);
                assertPasses(in6, "untracked, round " + i);
            }
            assertThat(conntrackOf(tb, a.ipv4())).isEmpty();
            assertThat(conntrackOf(tb, a.ipv6())).isEmpty();
        }
    }

    @Test
    void aFlowBetweenTwoVmsIsCutWhenEitherSideNarrows() {
        String a4 = a.ipv4() + "/32";
        put(b, body(b).ingress(tcp(22, 22, a4)));
        put(a, body(a).egress(tcp(22, 22, ANY4)));
        try (LiveFlow flow = LiveFlow.tcp(a, b, b.ipv4(), 22)) {
            assertPasses(flow, "before");
            put(a, body(a).egress(tcp(443, 443, ANY4)));
            assertThat(entriesOf(flow, a)).as("deleted before the PUT answered").isEmpty();
            assertCut(flow, "a's egress narrowed");
        }
        put(a, body(a).egress(tcp(22, 22, ANY4)));
        try (LiveFlow flow = LiveFlow.tcp(a, b, b.ipv4(), 22)) {
            assertPasses(flow, "before");
            put(b, body(b).ingress(tcp(22, 22, "192.0.2.0/24")));
            assertThat(entriesOf(flow, a)).as("deleted before the PUT answered").isEmpty();
            assertCut(flow, "b's ingress narrowed");
        }
    }
}
