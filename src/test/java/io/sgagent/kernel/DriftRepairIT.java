package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.setMembers;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.icmp;
import static io.sgagent.kernel.VmBody.rule;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Someone else breaks our kernel state; the agent notices and repairs it within seconds, and counts it. */
class DriftRepairIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgdr");
    private static final Duration WITHIN = Duration.ofSeconds(10);

    static RunningAgent agent;
    static Testbed tb;
    static Vm t;
    static Vm u;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        t = tb.addVm("t", "vnet1", "02:00:00:00:06:01", List.of("10.99.6.10"), List.of("fd99::6:10"));
        u = tb.addVm("u", "vnet2", "02:00:00:00:06:02", List.of("10.99.6.20"), List.of("fd99::6:20"));
        remote = tb.remote();
        agent = RunningAgent.start(tb.hvNamespace(), "sgagent.reconcile.drift-interval=1s");
        agent.putVm("t", VmBody.of(t, 1).ingress(tcp(22, 22, "0.0.0.0/0", "::/0"))
                .ingress(rule("47", "10.0.0.0/8")).ingress(icmp(8, 0, "0.0.0.0/0"))
                .ingress(icmp(128, -1, "::/0")).egress(rule("132", "::/0"))).expect(200);
        agent.putVm("u", VmBody.of(u, 1).ingress(all("0.0.0.0/0", "::/0"))).expect(200);
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    /** The counter moves just after the repair's write, so wait for it as well. */
    private static void awaitCounted(String object, double before) {
        await().atMost(WITHIN).untilAsserted(() -> assertThat(repairs(object)).isGreaterThan(before));
    }

    private static double repairs(String object) {
        String line = agent.get("/actuator/prometheus").expect(200).body().lines()
                .filter(l -> l.startsWith("sgagent_drift_repairs_total{object=\"" + object + "\"}"))
                .findFirst().orElseThrow();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void nothingDriftedMeansNoRepair() throws InterruptedException {
        double before = repairs("chain") + repairs("hook") + repairs("set") + repairs("sysctl");
        Thread.sleep(3500);
        assertThat(repairs("chain") + repairs("hook") + repairs("set") + repairs("sysctl"))
                .as("rules read back exactly as written (numeric protocols, icmp, sets)").isEqualTo(before);
    }

    @Test
    void aFlushedChainIsRewritten() {
        double before = repairs("chain");
        tb.execHv("iptables", "-F", "sga-i-t");
        await().atMost(WITHIN).untilAsserted(() ->
                assertThat(remote.tcpConnect(t, t.ipv4(), 23)).as("port 23 closed again").isFalse());
        awaitCounted("chain", before);
        assertThat(remote.tcpConnect(t, t.ipv4(), 22)).isTrue();
    }

    @Test
    void aDeletedHookIsPutBackFirst() {
        double before = repairs("hook");
        tb.execHv("ip6tables", "-D", "FORWARD", "-j", "sga-FORWARD");
        tb.execHv("ip6tables", "-I", "FORWARD", "1", "-j", "ACCEPT");
        try {
            await().atMost(WITHIN).untilAsserted(() -> assertThat(tb.execHv("ip6tables-save").lines()
                    .filter(l -> l.startsWith("-A FORWARD")).findFirst().orElseThrow())
                    .isEqualTo("-A FORWARD -j sga-FORWARD"));
            assertThat(remote.tcpConnect(t, t.ipv6(), 23)).isFalse();
            awaitCounted("hook", before);
        } finally {
            tb.execHv("ip6tables", "-D", "FORWARD", "-j", "ACCEPT");
        }
    }

    @Test
    void aFlushedNotrackSetIsRefilled() {
        double before = repairs("set");
        tb.execHv("ipset", "flush", "sga-notrack-ipv4");
        await().atMost(WITHIN).untilAsserted(() ->
                assertThat(setMembers(tb, "sga-notrack-ipv4")).containsExactly(u.ipv4()));
        awaitCounted("set", before);
    }

    @Test
    void bridgeNetfilterIsSwitchedBackOn() {
        double before = repairs("sysctl");
        tb.execHv("sysctl", "-w", "net.bridge.bridge-nf-call-ip6tables=0");
        await().atMost(WITHIN).untilAsserted(() -> assertThat(
                tb.execHv("sysctl", "-n", "net.bridge.bridge-nf-call-ip6tables").strip()).isEqualTo("1"));
        awaitCounted("sysctl", before);
        assertThat(remote.tcpConnect(t, t.ipv6(), 23)).isFalse();
    }
}
