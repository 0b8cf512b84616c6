package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.KernelAssertions.kernelDump;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** B7 (delete leaves no trace), B8 (ownership), B9 (failed apply keeps the old rules), B10 (seq). */
class LifecycleIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sglc");

    static RunningAgent agent;
    static Testbed tb;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        remote = tb.remote();
        // Another program's rules, present before the agent starts: they must survive everything.
        tb.execHv("iptables", "-N", "OTHER-FW");
        tb.execHv("iptables", "-A", "OTHER-FW", "-p", "tcp", "--dport", "9999", "-j", "ACCEPT");
        tb.execHv("iptables", "-A", "FORWARD", "-j", "OTHER-FW");
        tb.execHv("ipset", "create", "other-set", "hash:ip");
        agent = RunningAgent.start(tb.hvNamespace());
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void deleteRemovesEveryTraceAndANewVmReusingTheDeviceAndAddressesStartsClean() {
        Vm c = tb.addVm("c", "vnet3", "02:00:00:00:03:0c", List.of("10.99.3.12", "10.99.3.13"),
                List.of("fd99::3:12"));
        agent.putVm("c", VmBody.of(c, 1).ingress(all("0.0.0.0/0", "::/0"))).expect(200);
        tb.conntrackFlush();
        // One tracked flow (with the hypervisor) so there is an entry to clean up.
        assertThat(tb.hypervisor().tcpConnect(c, c.ipv4(), 22)).isTrue();
        assertThat(conntrackOf(tb, c.ipv4())).isNotEmpty();
        assertThat(kernelDump(tb)).contains("vnet3", "10.99.3.12", "sga-i-c");

        agent.delete("/api/v1/vms/c").expect(204);

        String dump = kernelDump(tb);
        assertThat(dump).doesNotContain("vnet3", "10.99.3.12", "10.99.3.13", "fd99::3:12", c.linkLocal(),
                "sga-i-c", "sga-e-c", "sga-s-vnet3", "sga-b-vnet3", c.mac());
        assertThat(conntrackOf(tb, c.ipv4())).isEmpty();
        agent.get("/api/v1/vms/c").expect(404);
        agent.delete("/api/v1/vms/c").expect(404);
        // Without the agent's rules the (now unmanaged) port is open again: delete really removed them.
        assertThat(remote.tcpConnect(c, c.ipv4(), 23)).isTrue();

        // A new VM on the same device and addresses gets only its own, restrictive rules.
        agent.putVm("c2", VmBody.of(c, 1).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
        assertThat(remote.tcpConnect(c, c.ipv4(), 22)).isTrue();
        assertThat(remote.tcpConnect(c, c.ipv4(), 23)).isFalse();
        assertThat(KernelAssertions.setMembers(tb, "sga-notrack-ipv4")).doesNotContain(c.ipv4());
        agent.delete("/api/v1/vms/c2").expect(204);
    }

    @Test
    void onlyOwnChainsOneJumpPerHookAndOtherProgramsUntouched() {
        Vm d = tb.addVm("d", "vnet4", "02:00:00:00:03:0d", List.of("10.99.3.14"), List.of("fd99::3:14"));
        agent.putVm("d", VmBody.of(d, 1).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
        String v4 = tb.execHv("iptables-save");
        assertThat(v4.lines().filter(l -> l.startsWith("-A FORWARD")).toList())
                .containsExactly("-A FORWARD -j sga-FORWARD", "-A FORWARD -j OTHER-FW");
        assertThat(v4.lines().filter(l -> l.startsWith("-A PREROUTING")).toList())
                .containsExactly("-A PREROUTING -j sga-PREROUTING");
        assertThat(v4).contains("-A OTHER-FW -p tcp -m tcp --dport 9999 -j ACCEPT");
        assertThat(v4.lines().filter(l -> l.startsWith(":"))
                .map(l -> l.substring(1).split(" ")[0]).toList())
                .allMatch(chain -> chain.startsWith("sga-") || chain.equals("OTHER-FW")
                        || List.of("INPUT", "FORWARD", "OUTPUT", "PREROUTING").contains(chain));
        assertThat(tb.execHv("ip6tables-save").lines().filter(l -> l.startsWith("-A FORWARD")).toList())
                .containsExactly("-A FORWARD -j sga-FORWARD");
        assertThat(tb.execHv("ipset", "list", "-n").lines().toList()).contains("other-set");

        // bridge-nf-call must be on for bridged packets to reach iptables: the agent puts it back.
        tb.execHv("sysctl", "-w", "net.bridge.bridge-nf-call-iptables=0");
        agent.putVm("d", VmBody.of(d, 2).ingress(tcp(22, 23, "0.0.0.0/0"))).expect(200);
        assertThat(tb.execHv("sysctl", "-n", "net.bridge.bridge-nf-call-iptables").strip()).isEqualTo("1");
        assertThat(remote.tcpConnect(d, d.ipv4(), 24)).isFalse();
        agent.delete("/api/v1/vms/d").expect(204);
        assertThat(tb.execHv("iptables-save")).contains("-A OTHER-FW -p tcp -m tcp --dport 9999 -j ACCEPT");
    }

    @Test
    void seqIsMonotonicAndTheSameSeqWithTheSameContentWritesNothing() {
        Vm e = tb.addVm("e", "vnet5", "02:00:00:00:03:0e", List.of("10.99.3.15"), List.of("fd99::3:15"));
        VmBody v5 = VmBody.of(e, 5).ingress(tcp(22, 22, "0.0.0.0/0"));
        agent.putVm("e", v5).expect(200);
        agent.putVm("e", VmBody.of(e, 4).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(409);

        // Mark the kernel chain with a rule that decides nothing: a rewrite would remove it, a no-op keeps it.
        tb.execHv("iptables", "-I", "sga-i-e", "1", "-m", "comment", "--comment", "marker");
        agent.putVm("e", v5).expect(200);
        assertThat(tb.execHv("iptables-save")).as("same seq, same content: no kernel write").contains("marker");

        agent.putVm("e", VmBody.of(e, 5).ingress(tcp(23, 23, "0.0.0.0/0"))).expect(409);
        assertThat(remote.tcpConnect(e, e.ipv4(), 23)).as("rejected PUT changed nothing").isFalse();

        agent.putVm("e", VmBody.of(e, 6).ingress(tcp(22, 23, "0.0.0.0/0"))).expect(200);
        assertThat(tb.execHv("iptables-save")).as("a new seq rewrites the chain").doesNotContain("marker");
        assertThat(remote.tcpConnect(e, e.ipv4(), 23)).isTrue();
        agent.delete("/api/v1/vms/e").expect(204);
    }

    @Test
    void aFailedApplyLeavesThePreviousRulesInForceAndIsReported() {
        Vm f = tb.addVm("f", "vnet6", "02:00:00:00:03:0f", List.of("10.99.3.16"), List.of("fd99::3:16"));
        agent.putVm("f", VmBody.of(f, 1).ingress(tcp(22, 22, "0.0.0.0/0", "::/0"))).expect(200);
        // Another program references our IPv6 chain, so ip6tables-restore cannot delete it: the delete's
        // IPv6 transaction fails after the IPv4 one succeeded, and the agent must roll IPv4 back.
        tb.execHv("ip6tables", "-N", "OTHER-REF");
        tb.execHv("ip6tables", "-A", "OTHER-REF", "-j", "sga-i-f");
        try {
            RunningAgent.Response refused = agent.delete("/api/v1/vms/f");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).as("the kernel's own words reach the caller").contains("ip6tables-restore");
            agent.get("/api/v1/vms/f").expect(200);
            assertThat(remote.tcpConnect(f, f.ipv4(), 22)).as("v4 rules restored").isTrue();
            assertThat(remote.tcpConnect(f, f.ipv4(), 23)).as("v4 rules still deny").isFalse();
            assertThat(remote.tcpConnect(f, f.ipv6(), 23)).as("v6 rules untouched").isFalse();
            assertThat(tb.execHv("iptables-save")).contains("sga-i-f");
        } finally {
            tb.execHv("ip6tables", "-F", "OTHER-REF");
            tb.execHv("ip6tables", "-X", "OTHER-REF");
        }
        agent.delete("/api/v1/vms/f").expect(204);
        assertThat(kernelDump(tb)).doesNotContain("sga-i-f");
    }
}
