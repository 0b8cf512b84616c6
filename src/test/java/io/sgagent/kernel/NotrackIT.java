package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.KernelAssertions.setMembers;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * B5 and B6 with real flows: which VMs bypass conntrack (counted in the hypervisor namespace), per family, and
 * that notrack never changes what a tracked neighbour or the hypervisor sees.
 */
class NotrackIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgnt");
    private static final AtomicLong SEQ = new AtomicLong();

    static RunningAgent agent;
    static Testbed tb;
    static Vm u;
    static Vm t;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        u = tb.addVm("u", "vnet1", "02:00:00:00:02:01", List.of("10.99.2.10"), List.of("fd99::2:10"));
        t = tb.addVm("t", "vnet2", "02:00:00:00:02:02", List.of("10.99.2.20"), List.of("fd99::2:20"));
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
    void freshConntrack() {
        tb.conntrackFlush();
    }

    private static VmBody body(Vm vm) {
        return VmBody.of(vm, SEQ.incrementAndGet());
    }

    private static void put(Vm vm, VmBody body) {
        agent.putVm(vm.name(), body).expect(200);
    }

    private static VmBody allowAll(Vm vm) {
        return body(vm).ingress(all("0.0.0.0/0", "::/0"));
    }

    @Test
    void allowAllBothWaysBypassesConntrackInBothFamilies() {
        put(u, allowAll(u));
        put(t, body(t));
        assertThat(agent.get("/api/v1/vms/u").expect(200).body())
                .contains("\"ipv4\":true").contains("\"ipv6\":true");
        assertThat(setMembers(tb, "sga-notrack-ipv4")).containsExactly(u.ipv4());
        assertThat(setMembers(tb, "sga-notrack-ipv6")).contains(u.ipv6(), u.linkLocal());

        assertThat(remote.tcpConnect(u, u.ipv4(), 22)).isTrue();
        assertThat(remote.tcpConnect(u, u.ipv6(), 22)).isTrue();
        assertThat(u.tcpConnect(remote, remote.ipv4(), 80)).isTrue();
        assertThat(u.udpExchange(remote, remote.ipv6(), 5353)).isTrue();
        assertThat(remote.ping(u.ipv4())).isTrue();
        assertThat(conntrackOf(tb, u.ipv4())).as("untracked v4 flows create no entries").isEmpty();
        assertThat(conntrackOf(tb, u.ipv6())).as("untracked v6 flows create no entries").isEmpty();

        // Control: the same kind of flow to a tracked VM does create an entry, so the check above can fail.
        put(t, body(t).ingress(tcp(22, 22, "0.0.0.0/0", "::/0")));
        assertThat(remote.tcpConnect(t, t.ipv4(), 22)).isTrue();
        assertThat(conntrackOf(tb, t.ipv4())).isNotEmpty();
    }

    @Test
    void notrackIsDecidedPerFamily() {
        put(u, body(u).ingress(all("0.0.0.0/0")).ingress(tcp(22, 22, "::/0")));
        assertThat(agent.get("/api/v1/vms/u").expect(200).body())
                .contains("\"ipv4\":true").contains("\"ipv6\":false");
        assertThat(remote.tcpConnect(u, u.ipv4(), 22)).isTrue();
        assertThat(remote.tcpConnect(u, u.ipv6(), 22)).isTrue();
        assertThat(remote.tcpConnect(u, u.ipv6(), 23)).as("v6 still restricted").isFalse();
        assertThat(conntrackOf(tb, u.ipv4())).isEmpty();
        assertThat(conntrackOf(tb, u.ipv6())).isNotEmpty();
        assertThat(setMembers(tb, "sga-notrack-ipv6")).doesNotContain(u.ipv6());
    }

    @Test
    void oneWayAllowAllStaysTrackedAndItsRepliesWork() {
        // CloudStack #14099: ingress allow-all with restricted egress must keep conntrack for the replies.
        put(u, body(u).ingress(all("0.0.0.0/0", "::/0")).egress(tcp(80, 80, "0.0.0.0/0", "::/0")));
        assertThat(agent.get("/api/v1/vms/u").expect(200).body())
                .contains("\"ipv4\":false").contains("\"ipv6\":false");
        assertThat(remote.tcpConnect(u, u.ipv4(), 22)).as("reply to an inbound flow passes egress").isTrue();
        assertThat(remote.udpExchange(u, u.ipv6(), 4000)).as("udp reply v6").isTrue();
        assertThat(u.tcpConnect(remote, remote.ipv4(), 81)).as("egress still restricted").isFalse();
        assertThat(conntrackOf(tb, u.ipv4())).isNotEmpty();
        assertThat(setMembers(tb, "sga-notrack-ipv4")).doesNotContain(u.ipv4());
    }

    @Test
    void aTrackedRestrictiveNeighbourKeepsItsRepliesFromAnUntrackedVm() {
        put(u, allowAll(u));
        put(t, body(t).ingress(tcp(22, 22, "0.0.0.0/0", "::/0")).egress(tcp(2222, 2222, "0.0.0.0/0", "::/0")));
        // u -> t: t's reply leaves through t's restricted egress only because conntrack saw u's SYN.
        assertThat(u.tcpConnect(t, t.ipv4(), 22)).isTrue();
        assertThat(u.tcpConnect(t, t.ipv6(), 22)).isTrue();
        // t -> u: u's reply must be recognised by t's ingress as ESTABLISHED.
        assertThat(t.tcpConnect(u, u.ipv4(), 2222)).isTrue();
        assertThat(t.tcpConnect(u, u.ipv6(), 2222)).isTrue();
        assertThat(conntrackOf(tb, t.ipv4())).as("u<->t stays tracked").isNotEmpty();
        assertThat(t.tcpConnect(u, u.ipv4(), 2223)).as("t's egress still decides").isFalse();
    }

    @Test
    void theHypervisorsOwnTrafficWithAnUntrackedVmStaysTracked() {
        put(u, allowAll(u));
        Vm hv = tb.hypervisor();
        assertThat(hv.tcpConnect(u, u.ipv4(), 22)).isTrue();
        assertThat(u.tcpConnect(hv, Testbed.HV_IPV4.get(0), 8000)).isTrue();
        assertThat(conntrackOf(tb, u.ipv4())).as("host flows keep conntrack").hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void leavingAndReenteringNotrackMovesTheAddressesAndKeepsRulesExact() {
        put(u, allowAll(u));
        assertThat(setMembers(tb, "sga-notrack-ipv4")).contains(u.ipv4());
        put(u, body(u).ingress(tcp(22, 22, "0.0.0.0/0", "::/0")));
        assertThat(setMembers(tb, "sga-notrack-ipv4")).doesNotContain(u.ipv4());
        assertThat(setMembers(tb, "sga-tracked-ipv4")).contains(u.ipv4());
        assertThat(remote.tcpConnect(u, u.ipv4(), 23)).isFalse();
        assertThat(remote.tcpConnect(u, u.ipv4(), 22)).isTrue();
        assertThat(conntrackOf(tb, u.ipv4())).isNotEmpty();
        put(u, allowAll(u));
        tb.conntrackFlush();
        assertThat(remote.tcpConnect(u, u.ipv4(), 23)).isTrue();
        assertThat(conntrackOf(tb, u.ipv4())).isEmpty();
    }
}
