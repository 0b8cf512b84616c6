package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.icmp;
import static io.sgagent.kernel.VmBody.rule;
import static io.sgagent.kernel.VmBody.tcp;
import static io.sgagent.kernel.VmBody.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * B1 (ingress default deny), B2 (egress default per family), B4 (both sides decide between VMs), ports, ICMP,
 * protocol numbers, reply traffic — decided by real packets through the real agent over HTTP.
 */
class IngressEgressIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgie");
    private static final AtomicLong SEQ = new AtomicLong();

    static RunningAgent agent;
    static Vm a;
    static Vm b;
    static Vm remote;

    @BeforeAll
    static void start() {
        a = TB.get().addVm("a", "vnet1", "02:00:00:00:01:0a", List.of("10.99.1.10"), List.of("fd99::1:10"));
        b = TB.get().addVm("b", "vnet2", "02:00:00:00:01:0b", List.of("10.99.1.11"), List.of("fd99::1:11"));
        remote = TB.get().remote();
        agent = RunningAgent.start(TB.get().hvNamespace());
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private static void put(Vm vm, VmBody body) {
        agent.putVm(vm.name(), body).expect(200);
    }

    private static VmBody body(Vm vm) {
        return VmBody.of(vm, SEQ.incrementAndGet());
    }

    @Test
    void ingressIsDeniedByDefaultButRepliesToTheVmsOwnConnectionsReturn() {
        put(a, body(a));
        put(b, body(b));
        assertThat(remote.tcpConnect(a, a.ipv4(), 22)).as("remote -> a tcp/22 v4").isFalse();
        assertThat(remote.tcpConnect(a, a.ipv6(), 22)).as("remote -> a tcp/22 v6").isFalse();
        assertThat(remote.ping(a.ipv4())).as("remote -> a ping v4").isFalse();
        assertThat(remote.udpExchange(a, a.ipv6(), 53)).as("remote -> a udp/53 v6").isFalse();
        // Egress is open (no egress rules); replies come back through RELATED,ESTABLISHED.
        assertThat(a.tcpConnect(remote, remote.ipv4(), 80)).as("a -> remote tcp/80 v4").isTrue();
        assertThat(a.tcpConnect(remote, remote.ipv6(), 80)).as("a -> remote tcp/80 v6").isTrue();
        assertThat(a.udpExchange(remote, remote.ipv4(), 5000)).as("a -> remote udp v4").isTrue();
        assertThat(a.ping(remote.ipv6())).as("a -> remote ping v6").isTrue();
    }

    @Test
    void tcpAndUdpPortRangesAreInclusiveAndPerCidr() {
        put(a, body(a)
                .ingress(tcp(1000, 1002, "0.0.0.0/0", "::/0"))
                .ingress(udp(2000, 2000, remote.ipv4() + "/32"))
                .ingress(tcp(3000, 3000, "10.99.1.11/32")));
        assertThat(remote.tcpConnect(a, a.ipv4(), 999)).as("999 below range").isFalse();
        assertThat(remote.tcpConnect(a, a.ipv4(), 1000)).as("1000 lower bound").isTrue();
        assertThat(remote.tcpConnect(a, a.ipv6(), 1002)).as("1002 upper bound v6").isTrue();
        assertThat(remote.tcpConnect(a, a.ipv4(), 1003)).as("1003 above range").isFalse();
        assertThat(remote.udpExchange(a, a.ipv4(), 2000)).as("udp/2000 from remote /32").isTrue();
        assertThat(remote.udpExchange(a, a.ipv6(), 2000)).as("udp/2000 rule has no v6 CIDR").isFalse();
        assertThat(remote.tcpConnect(a, a.ipv4(), 3000)).as("tcp/3000 only from b").isFalse();
    }

    @Test
    void icmpTypeAndCodeAreMatchedPerFamily() {
        put(a, body(a).ingress(icmp(8, -1, "0.0.0.0/0")));
        assertThat(remote.ping(a.ipv4())).as("echo request v4 allowed").isTrue();
        assertThat(remote.ping(a.ipv6())).as("no v6 icmp rule").isFalse();
        put(a, body(a).ingress(icmp(128, 0, "::/0")).ingress(icmp(13, -1, "0.0.0.0/0")));
        assertThat(remote.ping(a.ipv6())).as("icmpv6 echo request 128/0 allowed").isTrue();
        assertThat(remote.ping(a.ipv4())).as("v4 echo (type 8) not allowed by type 13").isFalse();
        put(a, body(a).ingress(rule("icmp", "0.0.0.0/0", "::/0")));
        assertThat(remote.ping(a.ipv4())).as("icmp any v4").isTrue();
        assertThat(remote.ping(a.ipv6())).as("icmp any means icmpv6 for ::/0").isTrue();
    }

    @Test
    void protocolAllAndProtocolNumbers() {
        put(a, body(a).ingress(rule("253", "0.0.0.0/0")));
        assertThat(RawProtocolProbe.send(remote, a, a.ipv4(), 253)).as("protocol 253 allowed").isTrue();
        assertThat(RawProtocolProbe.send(remote, a, a.ipv4(), 254)).as("protocol 254 not allowed").isFalse();
        assertThat(remote.tcpConnect(a, a.ipv4(), 22)).as("tcp not allowed by protocol 253").isFalse();
        put(a, body(a).ingress(all("0.0.0.0/0")));
        assertThat(RawProtocolProbe.send(remote, a, a.ipv4(), 254)).as("all covers 254").isTrue();
        assertThat(remote.tcpConnect(a, a.ipv4(), 22)).as("all covers tcp").isTrue();
        assertThat(remote.tcpConnect(a, a.ipv6(), 22)).as("all from 0.0.0.0/0 does not open v6").isFalse();
    }

    @Test
    void egressRulesOfOneFamilyLeaveTheOtherFamilyOpen() {
        put(a, body(a).egress(tcp(80, 80, "0.0.0.0/0")));
        assertThat(a.tcpConnect(remote, remote.ipv4(), 80)).as("v4 tcp/80 allowed").isTrue();
        assertThat(a.tcpConnect(remote, remote.ipv4(), 81)).as("v4 tcp/81 denied").isFalse();
        assertThat(a.ping(remote.ipv4())).as("v4 icmp denied").isFalse();
        assertThat(a.tcpConnect(remote, remote.ipv6(), 81)).as("v6 has no egress rule: open").isTrue();
        assertThat(a.udpExchange(remote, remote.ipv4(), 53)).as("DNS always allowed out").isTrue();
    }

    @Test
    void restrictedEgressStillLetsRepliesToAllowedIngressOut() {
        put(a, body(a).ingress(tcp(22, 22, "0.0.0.0/0", "::/0")).egress(tcp(443, 443, "0.0.0.0/0", "::/0")));
        assertThat(remote.tcpConnect(a, a.ipv4(), 22)).as("reply leaves via ESTABLISHED v4").isTrue();
        assertThat(remote.tcpConnect(a, a.ipv6(), 22)).as("reply leaves via ESTABLISHED v6").isTrue();
        assertThat(a.tcpConnect(remote, remote.ipv4(), 80)).as("egress tcp/80 not allowed").isFalse();
    }

    @Test
    void betweenVmsOnTheSameHostBothEgressAndIngressMustAllow() {
        // b accepts 8080 from a; a's egress is open: allowed.
        put(b, body(b).ingress(tcp(8080, 8080, a.ipv4() + "/32", a.ipv6() + "/128")));
        put(a, body(a));
        assertThat(a.tcpConnect(b, b.ipv4(), 8080)).as("a open egress, b allows").isTrue();
        assertThat(a.tcpConnect(b, b.ipv6(), 8080)).as("a open egress, b allows (v6)").isTrue();
        assertThat(a.tcpConnect(b, b.ipv4(), 8081)).as("b's ingress denies 8081").isFalse();
        // a's egress allows only 80: an egress allow never ends evaluation early, and a deny wins.
        put(a, body(a).egress(tcp(80, 80, "0.0.0.0/0", "::/0")));
        assertThat(a.tcpConnect(b, b.ipv4(), 8080)).as("a's egress denies 8080").isFalse();
        put(a, body(a).egress(tcp(8080, 8081, "0.0.0.0/0", "::/0")));
        assertThat(a.tcpConnect(b, b.ipv4(), 8081)).as("a allows 8081 out but b denies it in").isFalse();
        assertThat(a.tcpConnect(b, b.ipv4(), 8080)).as("both allow 8080").isTrue();
    }
}
