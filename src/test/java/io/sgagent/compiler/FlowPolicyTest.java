package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.aVm;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.fixtures.VmBuilder;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.ConntrackEntry;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which conntrack entries survive a rule change, and when a change cannot cut anything. */
class FlowPolicyTest {
    private static VmBuilder web() {
        return aVm("web").nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), List.of("fd00::1"));
    }

    private static ConntrackEntry tcp(String src, String dst, int dport) {
        return new ConntrackEntry(6, src, dst, 40000, dport, -1, -1, -1);
    }

    @Test
    void inboundFlowsAreJudgedByIngressAndOutboundByEgress() {
        Vm vm = web().ingress(io.sgagent.fixtures.VmFixtures.tcp(22).from("0.0.0.0/0"))
                .egress(io.sgagent.fixtures.VmFixtures.tcp(443).to("0.0.0.0/0")).build();
        assertThat(FlowPolicy.stillAllowed(vm, tcp("192.0.2.9", "10.0.0.1", 22))).isTrue();
        assertThat(FlowPolicy.stillAllowed(vm, tcp("192.0.2.9", "10.0.0.1", 23))).isFalse();
        assertThat(FlowPolicy.stillAllowed(vm, tcp("10.0.0.1", "192.0.2.9", 443))).isTrue();
        assertThat(FlowPolicy.stillAllowed(vm, tcp("10.0.0.1", "192.0.2.9", 80))).isFalse();
        assertThat(FlowPolicy.stillAllowed(vm, tcp("10.0.0.1", "192.0.2.9", 53))).as("DNS always").isTrue();
    }

    @Test
    void onlyChangesThatTakeSomethingAwayNeedAConntrackListing() {
        Vm ssh = web().ingress(io.sgagent.fixtures.VmFixtures.tcp(22).from("0.0.0.0/0")).build();
        Vm sshAndWeb = web().ingress(io.sgagent.fixtures.VmFixtures.tcp(22).from("0.0.0.0/0"))
                .ingress(io.sgagent.fixtures.VmFixtures.tcp(80).from("0.0.0.0/0")).build();
        Vm restrictedEgress = web().ingress(io.sgagent.fixtures.VmFixtures.tcp(22).from("0.0.0.0/0"))
                .egress(io.sgagent.fixtures.VmFixtures.tcp(443).to("0.0.0.0/0")).build();
        Vm allowAll = web().ingress(io.sgagent.fixtures.VmFixtures.all().from("0.0.0.0/0", "::/0")).build();
        assertThat(FlowPolicy.mayNarrow(ssh, sshAndWeb)).as("rule added").isFalse();
        assertThat(FlowPolicy.mayNarrow(sshAndWeb, ssh)).as("rule removed").isTrue();
        assertThat(FlowPolicy.mayNarrow(ssh, restrictedEgress)).as("egress closed").isTrue();
        assertThat(FlowPolicy.mayNarrow(restrictedEgress, ssh)).as("egress opened").isFalse();
        assertThat(FlowPolicy.mayNarrow(ssh, allowAll)).as("enters notrack: stale entries").isTrue();
    }

    @Test
    void anUntrackedVmKeepsOnlyEntriesWithTrackedPeers() {
        Vm allowAll = web().ingress(io.sgagent.fixtures.VmFixtures.all().from("0.0.0.0/0", "::/0")).build();
        Set<String> trackedPeers = Set.of("10.0.0.2", "10.0.0.254");
        assertThat(FlowPolicy.staleUntracked(allowAll, tcp("192.0.2.9", "10.0.0.1", 22), trackedPeers)).isTrue();
        assertThat(FlowPolicy.staleUntracked(allowAll, tcp("10.0.0.2", "10.0.0.1", 22), trackedPeers)).isFalse();
        assertThat(FlowPolicy.staleUntracked(allowAll, tcp("10.0.0.1", "10.0.0.254", 80), trackedPeers)).isFalse();
    }
}
