package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static io.sgagent.kernel.VmBody.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** B3 anti-spoofing with forged packets, secondary addresses and a VM with two NICs. */
class AntiSpoofAndNicsIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgas");

    static RunningAgent agent;
    static Testbed tb;
    static Vm m;
    static Vm n;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        m = tb.addVm("m", "vnet1", "02:00:00:00:04:01", List.of("10.99.4.10", "10.99.4.11"),
                List.of("fd99::4:10", "fd99::4:11"));
        tb.addNic(m, "vnet2", "02:00:00:00:04:02", List.of("10.98.4.10"), List.of("fd98::4:10"));
        n = tb.addVm("n", "vnet3", "02:00:00:00:04:03", List.of("10.99.4.20"), List.of("fd99::4:20"));
        remote = tb.remote();
        agent = RunningAgent.start(tb.hvNamespace());
        agent.putVm("m", VmBody.of(m, 1)
                .ingress(tcp(22, 22, "0.0.0.0/0", "::/0"))
                .ingress(udp(5000, 5000, "0.0.0.0/0", "::/0"))).expect(200);
        agent.putVm("n", VmBody.of(n, 1).ingress(all("0.0.0.0/0", "::/0"))).expect(200);
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void everyAddressOfEveryNicIsReachableUnderTheVmsRules() {
        for (String address : List.of("10.99.4.10", "10.99.4.11", "10.98.4.10", "fd99::4:10", "fd99::4:11",
                "fd98::4:10")) {
            assertThat(remote.tcpConnect(m, address, 22)).as("tcp/22 to " + address).isTrue();
        }
        assertThat(remote.tcpConnect(m, "10.98.4.10", 23)).as("second NIC is default deny too").isFalse();
        assertThat(remote.udpExchange(m, "fd98::4:10", 5000)).as("udp to second NIC v6").isTrue();
    }

    @Test
    void secondaryAddressesAreLegitimateSources() {
        assertThat(m.udpExchangeFrom(remote, "10.99.4.11", remote.ipv4(), 7000)).isTrue();
        assertThat(m.udpExchangeFrom(remote, "fd99::4:11", remote.ipv6(), 7000)).isTrue();
    }

    @Test
    void forgedIpv4AndIpv6SourcesAreDropped() {
        // Control first: the same probe from an own address works, so the drops below are the agent's doing.
        assertThat(n.udpExchangeFrom(remote, n.ipv4(), remote.ipv4(), 7001)).isTrue();
        assertThat(n.udpExchangeFrom(remote, "10.99.4.99", remote.ipv4(), 7001)).as("foreign v4").isFalse();
        assertThat(n.udpExchangeFrom(remote, "fd99::4:99", remote.ipv6(), 7001)).as("foreign v6").isFalse();
        // Claiming a neighbour's address (even an untracked neighbour's) gains nothing.
        assertThat(m.udpExchangeFrom(remote, n.ipv4(), remote.ipv4(), 7001)).as("neighbour's v4").isFalse();
        assertThat(m.udpExchangeFrom(remote, n.ipv6(), remote.ipv6(), 7001)).as("neighbour's v6").isFalse();
        assertThat(n.udpExchangeFrom(m, "10.99.4.98", m.ipv4(), 5000)).as("forged source towards a VM").isFalse();
    }

    @Test
    void aForgedMacIsDropped() {
        assertThat(n.ping(remote.ipv4())).isTrue();
        n.execOrThrow("ip", "link", "set", "eth0", "address", "02:00:00:00:04:99");
        try {
            assertThat(n.ping(remote.ipv4())).as("frames with a foreign MAC").isFalse();
        } finally {
            n.execOrThrow("ip", "link", "set", "eth0", "address", "02:00:00:00:04:03");
        }
        tb.execHv("ip", "neigh", "flush", "all");
        remote.exec("ip", "neigh", "flush", "all");
        assertThat(n.ping(remote.ipv4())).as("own MAC again").isTrue();
    }
}
