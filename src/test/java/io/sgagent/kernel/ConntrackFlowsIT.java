package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static io.sgagent.kernel.VmBody.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.LiveFlow;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * B6 with real long-lived flows: one TCP socket (or one UDP 5-tuple) held open across PUTs. A flow the new rules
 * still allow keeps passing; a flow they no longer allow stops within 2 s, because the agent deletes its conntrack
 * entry before the PUT returns (without that, {@code --ctstate ESTABLISHED} would keep accepting it for days).
 * Also what a live flow does when its VM moves into and out of notrack.
 */
class ConntrackFlowsIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgcf");
    private static final AtomicLong SEQ = new AtomicLong();
    private static final Duration CUT_WITHIN = Duration.ofSeconds(2);
    private static final String ANY4 = "0.0.0.0/0";
    private static final String ANY6 = "::/0";
    private static final ExecutorService CHECKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flow-check");
        t.setDaemon(true);
        return t;
    });

    static RunningAgent agent;
    static Testbed tb;
    static Vm a;
    static Vm b;
    static Vm remote;
    static String remote4;
    static String remote6;

    @BeforeAll
    static void start() {
        tb = TB.get();
        a = tb.addVm("a", "vnet1", "02:00:00:00:07:0a", List.of("10.99.7.10"), List.of("fd99::7:10"));
        b = tb.addVm("b", "vnet2", "02:00:00:00:07:0b", List.of("10.99.7.20"), List.of("fd99::7:20"));
        remote = tb.remote();
        remote4 = remote.ipv4() + "/32";
        remote6 = remote.ipv6() + "/128";
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
        put(a, body(a));
        put(b, body(b));
        tb.conntrackFlush();
    }

    private static VmBody body(Vm vm) {
        return VmBody.of(vm, SEQ.incrementAndGet());
    }

    private static void put(Vm vm, VmBody body) {
        agent.putVm(vm.name(), body).expect(200);
    }

    /** conntrack entries (either direction) of this flow in the hypervisor namespace. */
    private static List<String> entriesOf(LiveFlow flow, String vmAddress) {
        String port = "port=" + flow.localPort() + " ";
        return conntrackOf(tb, vmAddress).stream().filter(l -> l.contains("s" + port) || l.contains("d" + port))
                .toList();
    }

    private static void assertExchanges(LiveFlow flow, String when) {
        boolean passed = flow.exchange();
        assertThat(passed).as("%s: %s should pass, but: %s", when, flow, flow.lastFailure()).isTrue();
    }

    /** The hypervisor namespace's conntrack statistic "invalid", summed over CPUs. */
    private static long invalidCount() {
        return tb.execHv("conntrack", "-S").lines().flatMap(l -> Stream.of(l.split("\\s+")))
                .filter(f -> f.startsWith("invalid=")).mapToLong(f -> Long.parseLong(f.substring(8))).sum();
    }

    /** Every flow stops within 2 s and stays stopped (checked concurrently: each check waits for a timeout). */
    private static void assertCut(String when, LiveFlow... flows) {
        List<CompletableFuture<String>> checks = Stream.of(flows).map(flow -> CompletableFuture.supplyAsync(() -> {
            if (!flow.failsWithin(CUT_WITHIN)) {
                return flow + " still passes " + CUT_WITHIN + " after the PUT";
            }
            return flow.exchange(Duration.ofMillis(500)) ? flow + " passed again after failing" : null;
        }, CHECKS)).toList();
        List<String> problems = checks.stream().map(CompletableFuture::join).filter(p -> p != null).toList();
        assertThat(problems).as(when).isEmpty();
    }

    // ------------------------------------------------------------------ unrelated changes

    @Test
    void establishedFlowsSurviveRuleChangesThatStillAllowThem() {
        Map<String, Object> ssh = tcp(22, 22, ANY4, ANY6);
        Map<String, Object> game = udp(5000, 5000, ANY4, ANY6);
        put(a, body(a).ingress(ssh).ingress(game));
        try (LiveFlow tcp4 = LiveFlow.tcp(remote, a, a.ipv4(), 22);
             LiveFlow tcp6 = LiveFlow.tcp(remote, a, a.ipv6(), 22);
             LiveFlow udp4 = LiveFlow.udp(remote, a, a.ipv4(), 5000, 43000);
             LiveFlow udp6 = LiveFlow.udp(remote, a, a.ipv6(), 5000, 43001)) {
            List<LiveFlow> flows = List.of(tcp4, tcp6, udp4, udp6);
            for (LiveFlow f : flows) {
                assertExchanges(f, "start");
                assertThat(entriesOf(f, address(f))).as("%s is tracked", f).hasSize(1);
            }
            List<VmBody> changes = List.of(
                    body(a).ingress(ssh).ingress(game).ingress(udp(6000, 6100, ANY4, ANY6)),
                    body(a).ingress(tcp(22, 22, ANY4, ANY6, "192.0.2.0/24", "2001:db8::/32"))
                            .ingress(udp(5000, 5000, "192.0.2.0/24", ANY4, ANY6)),
                    body(a).ingress(ssh).ingress(game).egress(tcp(443, 443, ANY4, ANY6)),
                    body(a).ingress(ssh).ingress(game).egress(udp(123, 123, ANY4)).egress(tcp(8443, 8443, ANY6)),
                    // narrower, but the remote is still inside
                    body(a).ingress(tcp(20, 30, "10.99.0.0/16", "fd99::/64"))
                            .ingress(udp(4000, 6000, "10.99.0.0/16", "fd99::/64")).egress(tcp(8443, 8443, ANY6)),
                    body(a).ingress(tcp(22, 22, remote4, remote6)).ingress(udp(5000, 5000, remote4, remote6)));
            int step = 0;
            for (VmBody change : changes) {
                step++;
                put(a, change);
                for (LiveFlow f : flows) {
                    assertExchanges(f, "change " + step);
                    assertThat(entriesOf(f, address(f))).as("change %d keeps the entry of %s", step, f).hasSize(1);
                }
            }
        }
    }

    /** a's address the flow uses (all flows of this test are remote -> a). */
    private static String address(LiveFlow flow) {
        return flow.localAddress().contains(":") ? a.ipv6() : a.ipv4();
    }

    // ------------------------------------------------------------------ narrowing cuts

    /** Ways to narrow the base rules {@code <proto> 20-30 from the remote (+ a test net)} so port 22 is out. */
    enum Narrowing {
        RULE_REMOVED(p -> null),
        PORT_RANGE_SHRUNK(p -> ports(p, 23, 30, remote4, remote6, "192.0.2.0/24", "2001:db8::/32")),
        CIDR_REMOVED(p -> ports(p, 20, 30, "192.0.2.0/24", "2001:db8::/32"));

        final Function<String, Map<String, Object>> rule;

        Narrowing(Function<String, Map<String, Object>> rule) {
            this.rule = rule;
        }
    }

    private static Map<String, Object> ports(String protocol, int from, int to, String... cidrs) {
        return protocol.equals("tcp") ? tcp(from, to, cidrs) : udp(from, to, cidrs);
    }

    static Stream<Arguments> narrowings() {
        return Stream.of("tcp", "udp").flatMap(p -> Stream.of(Narrowing.values()).map(n -> Arguments.of(p, n)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("narrowings")
    void aNarrowingPutStopsTheEstablishedFlowsItNoLongerAllows(String protocol, Narrowing narrowing) {
        // an unrelated rule of the other protocol stays, so the chain is never empty
        Map<String, Object> other = protocol.equals("tcp") ? udp(9000, 9000, ANY4, ANY6) : tcp(9000, 9000, ANY4, ANY6);
        put(a, body(a).ingress(ports(protocol, 20, 30, remote4, remote6, "192.0.2.0/24", "2001:db8::/32"))
                .ingress(other));
        try (LiveFlow v4 = open(protocol, remote, a, a.ipv4(), 22, 40022);
             LiveFlow v6 = open(protocol, remote, a, a.ipv6(), 22, 40023)) {
            assertExchanges(v4, "before");
            assertExchanges(v6, "before");
            assertThat(entriesOf(v4, a.ipv4())).as("tracked v4").hasSize(1);
            assertThat(entriesOf(v6, a.ipv6())).as("tracked v6").hasSize(1);

            VmBody narrowed = body(a).ingress(other);
            Map<String, Object> rule = narrowing.rule.apply(protocol);
            if (rule != null) {
                narrowed.ingress(rule);
            }
            put(a, narrowed);
            // the entries are deleted before the PUT answers
            assertThat(entriesOf(v4, a.ipv4())).as("v4 entry deleted by the PUT").isEmpty();
            assertThat(entriesOf(v6, a.ipv6())).as("v6 entry deleted by the PUT").isEmpty();
            assertCut(narrowing.name(), v4, v6);
        }
    }

    private static LiveFlow open(String protocol, Vm client, Vm target, String ip, int port, int sourcePort) {
        return protocol.equals("tcp") ? LiveFlow.tcp(client, target, ip, port)
                : LiveFlow.udp(client, target, ip, port, sourcePort);
    }

    @Test
    void aFlowTheNarrowedRulesStillAllowKeepsPassingWhileItsNeighbourIsCut() {
        put(a, body(a).ingress(tcp(22, 22, ANY4, ANY6)).ingress(tcp(80, 80, ANY4, ANY6))
                .ingress(udp(5000, 5000, ANY4, ANY6)).ingress(udp(5001, 5001, ANY4, ANY6)));
        try (LiveFlow ssh = LiveFlow.tcp(remote, a, a.ipv4(), 22);
             LiveFlow web = LiveFlow.tcp(remote, a, a.ipv4(), 80);
             LiveFlow web6 = LiveFlow.tcp(remote, a, a.ipv6(), 80);
             LiveFlow keep = LiveFlow.udp(remote, a, a.ipv6(), 5000, 41000);
             LiveFlow drop = LiveFlow.udp(remote, a, a.ipv6(), 5001, 41001)) {
            for (LiveFlow f : List.of(ssh, web, web6, keep, drop)) {
                assertExchanges(f, "before");
            }
            put(a, body(a).ingress(tcp(22, 22, ANY4, ANY6)).ingress(udp(5000, 5000, ANY4, ANY6)));
            assertCut("tcp/80 and udp/5001 removed", web, web6, drop);
            for (int i = 0; i < 5; i++) {
                assertExchanges(ssh, "tcp/80 removed, round " + i);
                assertExchanges(keep, "udp/5001 removed, round " + i);
            }
            assertThat(entriesOf(ssh, a.ipv4())).as("ssh keeps its entry").hasSize(1);
        }
    }

    @Test
    void anOutboundFlowStopsWhenTheEgressRuleGoes() {
        put(a, body(a).egress(tcp(80, 80, ANY4, ANY6)).egress(tcp(443, 443, ANY4, ANY6)));
        try (LiveFlow web = LiveFlow.tcp(a, remote, remote.ipv4(), 80);
             LiveFlow web6 = LiveFlow.tcp(a, remote, remote.ipv6(), 80);
             LiveFlow tls = LiveFlow.tcp(a, remote, remote.ipv4(), 443)) {
            assertExchanges(web, "before");
            assertExchanges(web6, "before");
            assertExchanges(tls, "before");
            put(a, body(a).egress(tcp(443, 443, ANY4, ANY6)));
            assertCut("egress tcp/80 removed", web, web6);
            assertExchanges(tls, "egress tcp/80 removed");
        }
    }

    @Test
    void aFlowBetweenTwoVmsStopsWhenEitherSideNoLongerAllowsIt() {
        String a4 = a.ipv4() + "/32";
        put(b, body(b).ingress(tcp(22, 22, a4)));
        // sender side narrows: a's egress no longer allows b:22
        put(a, body(a));
        try (LiveFlow flow = LiveFlow.tcp(a, b, b.ipv4(), 22)) {
            assertExchanges(flow, "before");
            put(a, body(a).egress(tcp(443, 443, ANY4)));
            assertCut("a's egress narrowed", flow);
        }
        // receiver side narrows: b's ingress no longer allows a
        put(a, body(a));
        try (LiveFlow flow = LiveFlow.tcp(a, b, b.ipv4(), 22)) {
            assertExchanges(flow, "before");
            put(b, body(b).ingress(tcp(22, 22, "192.0.2.0/24")));
            assertCut("b's ingress narrowed", flow);
        }
    }

    // ------------------------------------------------------------------ notrack transitions

    @Test
    void aTrackedFlowKeepsPassingThroughAnAllowAllRoundTripWhileItsRulesAcceptItStatelessly() {
        // Observed: while a is untracked the flow's packets skip conntrack, so its entry is left as it was and
        // goes stale (its timeout is not refreshed). Back under tracking the kernel's TCP window check rejects
        // the flow's packets (conntrack -S "invalid" rises); the flow passes only because tcp/22 ingress and the
        // open egress accept it without looking at conntrack. With rules that rely on ESTABLISHED it stalls: see
        // the disabled test aFlowOpenedWhileTrackedSurvivesAnAllowAllRoundTrip.
        Map<String, Object> ssh = tcp(22, 22, ANY4, ANY6);
        put(a, body(a).ingress(ssh));
        try (LiveFlow flow = LiveFlow.tcp(remote, a, a.ipv4(), 22)) {
            assertExchanges(flow, "tracked");
            assertThat(entriesOf(flow, a.ipv4())).hasSize(1);

            put(a, body(a).ingress(all(ANY4, ANY6)));
            assertThat(agent.get("/api/v1/vms/a").expect(200).body()).contains("\"ipv4\":true");
            for (int i = 0; i < 3; i++) {
                assertExchanges(flow, "untracked, round " + i);
            }
            System.out.println("[transitions] tracked -> untracked, entry of the flow: " + entriesOf(flow, a.ipv4()));

            long invalid = invalidCount();
            put(a, body(a).ingress(ssh));
            for (int i = 0; i < 3; i++) {
                assertExchanges(flow, "tracked again, round " + i);
            }
            System.out.println("[transitions] -> tracked again (egress open), entry: " + entriesOf(flow, a.ipv4())
                    + ", conntrack invalid +" + (invalidCount() - invalid));

            put(a, body(a).ingress(tcp(80, 80, ANY4, ANY6)));
            assertCut("tcp/22 removed", flow);
        }
    }

    @Test
    void flowsOpenedWhileUntrackedArePickedUpMidStreamWhenTheVmIsTrackedAgain() {
        put(a, body(a).ingress(all(ANY4, ANY6)));
        try (LiveFlow in4 = LiveFlow.tcp(remote, a, a.ipv4(), 22);
             LiveFlow in6 = LiveFlow.tcp(remote, a, a.ipv6(), 22);
             LiveFlow out4 = LiveFlow.tcp(a, remote, remote.ipv4(), 80);
             LiveFlow udpIn = LiveFlow.udp(remote, a, a.ipv4(), 5000, 42000)) {
            List<LiveFlow> flows = List.of(in4, in6, out4, udpIn);
            for (LiveFlow f : flows) {
                assertExchanges(f, "untracked");
            }
            assertThat(conntrackOf(tb, a.ipv4())).as("untracked: no entries").isEmpty();
            assertThat(conntrackOf(tb, a.ipv6())).as("untracked: no entries").isEmpty();

            // Restrictive both ways: a's replies to in4/in6/udpIn leave only as ESTABLISHED (egress allows just
            // tcp/80), the remote's replies to out4 enter only as ESTABLISHED (ingress allows just tcp/22, udp/5000).
            put(a, body(a).ingress(tcp(22, 22, ANY4, ANY6)).ingress(udp(5000, 5000, ANY4))
                    .egress(tcp(80, 80, ANY4, ANY6)));
            for (int i = 0; i < 3; i++) {
                for (LiveFlow f : flows) {
                    assertExchanges(f, "tracked again, round " + i);
                }
            }
            System.out.println("[transitions] untracked -> tracked, picked up: " + conntrackOf(tb, a.ipv4())
                    + " " + conntrackOf(tb, a.ipv6()));
            assertThat(entriesOf(in4, a.ipv4())).as("in4 picked up").hasSize(1);
            assertThat(entriesOf(in6, a.ipv6())).as("in6 picked up").hasSize(1);
            assertThat(entriesOf(out4, a.ipv4())).as("out4 picked up").hasSize(1);
            assertThat(entriesOf(udpIn, a.ipv4())).as("udpIn tracked").hasSize(1);

            put(a, body(a).ingress(tcp(2222, 2222, ANY4, ANY6)).egress(tcp(443, 443, ANY4, ANY6)));
            assertCut("22, 80 and udp/5000 removed", in4, in6, out4, udpIn);
        }
    }

    enum Direction { INBOUND_WITH_RESTRICTED_EGRESS, OUTBOUND_WITH_INGRESS_ONLY_RULES }

    // Regression: entries of a VM entering notrack are deleted, so the flow is picked up afresh later.
    @ParameterizedTest
    @EnumSource(Direction.class)
    void aFlowOpenedWhileTrackedSurvivesAnAllowAllRoundTrip(Direction direction) {
        boolean inbound = direction == Direction.INBOUND_WITH_RESTRICTED_EGRESS;
        VmBody restrictive = inbound
                ? body(a).ingress(tcp(22, 22, ANY4, ANY6)).egress(tcp(443, 443, ANY4, ANY6))
                : body(a).ingress(tcp(22, 22, ANY4, ANY6));
        put(a, restrictive);
        try (LiveFlow flow = inbound ? LiveFlow.tcp(remote, a, a.ipv4(), 22)
                : LiveFlow.tcp(a, remote, remote.ipv4(), 80)) {
            assertExchanges(flow, "tracked");
            put(a, body(a).ingress(all(ANY4, ANY6)));
            assertExchanges(flow, "untracked");
            assertExchanges(flow, "untracked");
            put(a, inbound
                    ? body(a).ingress(tcp(22, 22, ANY4, ANY6)).egress(tcp(443, 443, ANY4, ANY6))
                    : body(a).ingress(tcp(22, 22, ANY4, ANY6)));
            assertExchanges(flow, "tracked again");
        }
    }
}
