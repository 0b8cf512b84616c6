package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.KernelAssertions.setMembers;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.kernel.CloudStackHost.CsNic;
import io.sgagent.kernel.CloudStackScript.Call;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The defects of CloudStack's own security-group script that CLOUDSTACK.md lists, reproduced through the drop-in
 * client and shown not to occur: one-way allow-all breaking replies (#14099), notrack leaking to tracked
 * neighbours, stale notrack members after destroy, a failed update leaving chains empty with exit 0, IPv6
 * security-group members authorised as their /64 (#14037); and the rule-log tuples surviving an agent restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloudStackDefectsIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgcsd");

    static final String BR = "br0";
    static final String ALLOW_ALL = "I:all;0;0;0.0.0.0/0,::/0,NEXT;";
    static final String SSH = "I:tcp;22;22;0.0.0.0/0,::/0,NEXT;";

    static Testbed tb;
    static CloudStackHost host;
    static Vm a;
    static Vm b;
    static Vm remote;
    static CsNic a1;
    static CsNic b1;
    static long seq = 100;

    @BeforeAll
    static void start() {
        tb = TB.get();
        a = tb.addVm("a", "vnet41", "1e:00:b4:00:00:41", List.of("10.99.4.41"), List.of("fd99::4:41"));
        b = tb.addVm("b", "vnet42", "1e:00:b4:00:00:42", List.of("10.99.4.42"), List.of("fd99::4:42"));
        remote = tb.remote();
        a1 = new CsNic("i-3-41-VM", 41, "vnet41", "1e:00:b4:00:00:41", "10.99.4.41", "fd99::4:41", BR);
        b1 = new CsNic("i-3-42-VM", 42, "vnet42", "1e:00:b4:00:00:42", "10.99.4.42", "fd99::4:42", BR);
        host = new CloudStackHost(tb);
        host.running(a1.vmName(), 41);
        host.running(b1.vmName(), 42);
    }

    @AfterAll
    static void stop() {
        if (host != null) {
            System.out.println(CloudStackScript.table("CloudStack defects through cloudstack/security_group.py",
                    host.allCalls()));
            host.close();
        }
    }

    @BeforeEach
    void startBoth() {
        host.failKernel(false);
        host.script().ok("VM a start", a1.defaultRules("0;", "--isFirstNic"));
        host.script().ok("VM b start", b1.defaultRules("0;", "--isFirstNic"));
    }

    static Call rules(CsNic nic, String rules) {
        host.script().ok("check " + nic.vmName(), nic.defaultRules("0;", "--check"));
        return host.script().run("rules " + nic.vmName(), nic.addRules(++seq, rules, "0;"));
    }

    @Test
    @Order(1)
    void oneWayAllowAllKeepsItsRepliesAndStaysTracked() {
        // #14099: allow-all ingress with restricted egress was put in notrack, so replies to allowed ingress
        // (leaving through the restricted egress without ESTABLISHED) were dropped.
        assertThat(rules(a1, ALLOW_ALL + "E:tcp;443;443;0.0.0.0/0,::/0,NEXT;").exit()).isZero();
        assertThat(setMembers(tb, "sga-notrack-ipv4")).doesNotContain(a1.ip());
        assertThat(setMembers(tb, "sga-notrack-ipv6")).doesNotContain(a1.ip6());
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).as("reply to allowed ingress v4").isTrue();
        assertThat(remote.tcpConnect(a, a1.ip6(), 9000)).as("reply to allowed ingress v6").isTrue();
        assertThat(a.tcpConnect(remote, Testbed.REMOTE_IPV4.get(0), 443)).as("allowed egress").isTrue();
        assertThat(a.tcpConnect(remote, Testbed.REMOTE_IPV4.get(0), 80)).as("restricted egress").isFalse();
    }

    @Test
    @Order(2)
    void notrackDoesNotLeakToATrackedNeighbour() {
        assertThat(rules(a1, ALLOW_ALL).exit()).isZero();
        assertThat(rules(b1, SSH).exit()).isZero();
        assertThat(setMembers(tb, "sga-notrack-ipv4")).contains(a1.ip()).doesNotContain(b1.ip());
        tb.conntrackFlush();
        // b opens the connection: a's reply must come back to b, whose ingress only allows it as ESTABLISHED.
        assertThat(b.tcpConnect(a, a1.ip(), 7000)).as("tracked b -> untracked a, reply accepted").isTrue();
        assertThat(b.tcpConnect(a, a1.ip6(), 7000)).as("same over IPv6").isTrue();
        assertThat(conntrackOf(tb, b1.ip())).as("b's flow with a stays tracked").isNotEmpty();
        assertThat(a.tcpConnect(b, b1.ip(), 22)).as("a -> b where b allows").isTrue();
        assertThat(a.tcpConnect(b, b1.ip(), 23)).as("a -> b where b does not allow").isFalse();
        tb.conntrackFlush();
        assertThat(remote.tcpConnect(a, a1.ip(), 7001)).isTrue();
        assertThat(conntrackOf(tb, a1.ip())).as("remote <-> a untracked").isEmpty();
    }

    @Test
    @Order(3)
    void destroyLeavesNoNotrackMember() {
        assertThat(rules(a1, ALLOW_ALL).exit()).isZero();
        assertThat(setMembers(tb, "sga-notrack-ipv4")).contains(a1.ip());
        host.script().ok("VM a stop", "destroy_network_rules_for_vm", "--vmname", a1.vmName(), "--vif", a1.vif());
        assertThat(setMembers(tb, "sga-notrack-ipv4")).doesNotContain(a1.ip());
        assertThat(setMembers(tb, "sga-notrack-ipv6")).doesNotContain(a1.ip6(), a.linkLocal());
        assertThat(setMembers(tb, "sga-tracked-ipv4")).doesNotContain(a1.ip());
        // A new VM that gets a's address starts clean: tracked, default deny.
        CsNic reuse = new CsNic("i-3-43-VM", 43, "vnet41", a1.mac(), a1.ip(), a1.ip6(), BR);
        host.running(reuse.vmName(), 43);
        host.script().ok("VM reusing the address", reuse.defaultRules("0;", "--isFirstNic"));
        assertThat(setMembers(tb, "sga-notrack-ipv4")).doesNotContain(a1.ip());
        assertThat(remote.tcpConnect(a, a1.ip(), 7002)).as("no allow-all inherited").isFalse();
        host.script().ok("VM reusing the address: stop", "destroy_network_rules_for_vm", "--vmname", reuse.vmName());
        host.gone(reuse.vmName());
    }

    @Test
    @Order(4)
    void aFailedUpdateExitsNonZeroAndKeepsThePreviousRules() {
        assertThat(rules(a1, SSH).exit()).isZero();
        String before = host.script().ok("ping", "get_rule_logs_for_vms").stdout();
        host.failKernel(true);
        Call failed;
        try {
            // tcp/22 (both families) becomes tcp/23 (IPv4 only): IPv4 commits, IPv6 refuses, IPv4 is rolled back.
            failed = rules(a1, "I:tcp;23;23;0.0.0.0/0,NEXT;");
            assertThat(failed.exit()).as("CloudStack's script exits 0 here").isNotZero();
            assertThat(failed.stderr()).contains("injected failure");
            assertThat(remote.tcpConnect(a, a1.ip(), 22)).as("previous rules in force v4").isTrue();
            assertThat(remote.tcpConnect(a, a1.ip6(), 22)).as("previous rules in force v6").isTrue();
            assertThat(remote.tcpConnect(a, a1.ip(), 23)).as("the committed half was rolled back").isFalse();
            assertThat(host.script().ok("ping", "get_rule_logs_for_vms").stdout())
                    .as("the tuple still names the programmed seq, so CloudStack resends").isEqualTo(before);
        } finally {
            host.failKernel(false);
        }
        // CloudStack retries the same command: not a duplicate, it is programmed now.
        String[] retry = a1.addRules(seq, "I:tcp;23;23;0.0.0.0/0,NEXT;", "0;");
        assertThat(host.script().run("retry after the failure", retry).exit()).isZero();
        assertThat(remote.tcpConnect(a, a1.ip(), 23)).isTrue();

        // A rule string that cannot be read is refused whole, never half-programmed.
        Call bad = rules(a1, "I:tcp;80;80;0.0.0.0/0,NEXT;I:tcp;81;81;10.0.0.300/32,NEXT;");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.stderr()).contains("rules[1]");
        assertThat(remote.tcpConnect(a, a1.ip(), 80)).as("nothing of the bad string programmed").isFalse();
        assertThat(remote.tcpConnect(a, a1.ip(), 23)).as("previous rules in force").isTrue();
    }

    @Test
    @Order(5)
    void anIpv6GroupMemberIsAuthorisedAsAHostNotItsSlash64() {
        // #14037: a rule referencing a's security group reached the host as a's address with /64.
        assertThat(rules(b1, "I:tcp;22;22;" + a1.ip() + "/32," + a1.ip6() + "/64,NEXT;").exit()).isZero();
        assertThat(a.tcpConnect(b, b1.ip6(), 22)).as("the member itself").isTrue();
        assertThat(remote.tcpConnect(b, b1.ip6(), 22)).as(Testbed.REMOTE_IPV6.get(0) + " shares the member's /64")
                .isFalse();
        assertThat(a.tcpConnect(b, b1.ip(), 22)).isTrue();
        assertThat(remote.tcpConnect(b, b1.ip(), 22)).isFalse();
    }

    @Test
    @Order(6)
    void aRuleWithAThousandCidrsOfBothFamilies() {
        StringBuilder cidrs = new StringBuilder();
        for (int i = 0; i < 499; i++) {
            cidrs.append("198.18.").append(i / 256).append('.').append(i % 256).append("/32,")
                    .append("2001:db8:18::").append(Integer.toHexString(i)).append("/128,");
        }
        cidrs.append(Testbed.REMOTE_IPV4.get(0)).append("/32,").append(Testbed.REMOTE_IPV6.get(0)).append("/128,");
        String rule = "I:tcp;22;22;" + cidrs + "NEXT;";
        Call call = rules(b1, rule);
        assertThat(call.exit()).as(call.stderr()).isZero();
        assertThat(remote.tcpConnect(b, b1.ip(), 22)).as("the 999th CIDR").isTrue();
        assertThat(remote.tcpConnect(b, b1.ip6(), 22)).as("the 1000th CIDR").isTrue();
        assertThat(a.tcpConnect(b, b1.ip(), 22)).as("not among them").isFalse();
        assertThat(host.script().ok("resend", b1.addRules(seq, rule, "0;")).stdout()).contains("already programmed");
    }

    @Test
    @Order(7)
    void aVmThatDiedWithoutAStopDoesNotBlockTheNextStart() {
        // qemu died, nobody called destroy; libvirt gives the tap name to the next domain at once.
        assertThat(rules(a1, "I:all;0;0;0.0.0.0/0,::/0,NEXT;").exit()).isZero();
        host.gone(a1.vmName());
        CsNic next = new CsNic("i-3-44-VM", 44, a1.vif(), a1.mac(), a1.ip(), a1.ip6(), BR);
        host.running(next.vmName(), 44);
        try {
            Call start = host.script().ok("start on the dead VM's tap", next.defaultRules("0;", "--isFirstNic"));
            assertThat(start.stdout()).contains("removed the rules of " + a1.vmName());
            assertThat(host.script().ok("rules of the new VM", next.addRules(1, SSH, "0;")).exit()).isZero();
            assertThat(host.script().ok("ping", "get_rule_logs_for_vms").stdout()).contains("i-3-44-VM,44,")
                    .doesNotContain(a1.vmName());
            assertThat(setMembers(tb, "sga-notrack-ipv4")).as("the dead VM's allow-all is gone")
                    .doesNotContain(a1.ip());
            assertThat(remote.tcpConnect(a, a1.ip(), 22)).isTrue();
            assertThat(remote.tcpConnect(a, a1.ip(), 7003)).isFalse();
        } finally {
            host.script().run("stop the new VM", "destroy_network_rules_for_vm", "--vmname", next.vmName());
            host.gone(next.vmName());
            host.running(a1.vmName(), 41);
        }
    }

    @Test
    @Order(8)
    void theRuleLogsSurviveAnAgentRestart() {
        assertThat(rules(a1, SSH).exit()).isZero();
        assertThat(rules(b1, ALLOW_ALL).exit()).isZero();
        String before = host.script().ok("ping before restart", "get_rule_logs_for_vms").stdout();
        assertThat(before).contains("i-3-41-VM,41,10.99.4.41,41," + a1.sig(SSH) + ",")
                .contains("i-3-42-VM,42,10.99.4.42,42," + b1.sig(ALLOW_ALL) + ",");
        host.restartAgent();
        Call after = host.script().ok("ping after restart", "get_rule_logs_for_vms");
        assertThat(after.stdout()).isEqualTo(before);
        assertThat(after.stderr()).isEmpty();
        Call again = host.script().ok("resend after restart", a1.addRules(seq - 1, SSH, "0;"));
        assertThat(again.stdout()).contains("already programmed");
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).isTrue();
        assertThat(setMembers(tb, "sga-notrack-ipv4")).contains(b1.ip());
    }
}
