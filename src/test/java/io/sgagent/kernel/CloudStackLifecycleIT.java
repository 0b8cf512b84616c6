package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.KernelAssertions.kernelDump;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One complete CloudStack VM lifecycle driven only through the drop-in client {@code cloudstack/security_group.py},
 * with the argument sequences the CloudStack KVM agent sends ({@code LibvirtComputingResource}): agent start, a VM
 * start with two NICs, rule updates, allow-all on and off, a secondary address added and removed, a NIC unplugged,
 * the VM stopped, and the cleanup of a VM libvirt no longer runs. Packets decide; the table of calls and their
 * times is printed at the end.
 */
class CloudStackLifecycleIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgcsl");

    static final String BR = "br0";
    static final String R1 = "I:tcp;22;22;0.0.0.0/0,::/0,NEXT;I:icmp;-1;-1;0.0.0.0/0,NEXT;";
    static final String R2 = R1 + "I:tcp;8080;8080;" + Testbed.REMOTE_IPV4.get(0) + "/32,NEXT;"
            + "E:tcp;80;80;0.0.0.0/0,NEXT;";
    static final String ALLOW_ALL = "I:all;0;0;0.0.0.0/0,::/0,NEXT;";

    static Testbed tb;
    static CloudStackHost host;
    static CloudStackScript cs;
    static Vm a;
    static Vm b;
    static Vm remote;
    static CsNic a1;
    static CsNic a2;
    static CsNic b1;

    @BeforeAll
    static void start() {
        tb = TB.get();
        a = tb.addVm("a", "vnet31", "1e:00:b4:00:00:31", List.of("10.99.3.10"), List.of("fd99::3:10"));
        tb.addNic(a, "vnet32", "1e:00:b4:00:00:32", List.of("10.98.3.10"), List.of("fd98::3:10"));
        b = tb.addVm("b", "vnet33", "1e:00:b4:00:00:33", List.of("10.99.3.11"), List.of("fd99::3:11"));
        remote = tb.remote();
        a1 = new CsNic("i-2-10-VM", 10, "vnet31", "1e:00:b4:00:00:31", "10.99.3.10", "fd99::3:10", BR);
        a2 = new CsNic("i-2-10-VM", 10, "vnet32", "1e:00:b4:00:00:32", "10.98.3.10", "fd98::3:10", BR);
        b1 = new CsNic("i-2-11-VM", 11, "vnet33", "1e:00:b4:00:00:33", "10.99.3.11", "fd99::3:11", BR);
        host = new CloudStackHost(tb);
        cs = host.script();
    }

    @AfterAll
    static void stop() {
        if (host != null) {
            System.out.println(cs.table("CloudStack VM lifecycle through cloudstack/security_group.py "
                    + "(each call: python3 start + HTTP + kernel transaction)"));
            host.close();
        }
    }

    /** The rule update CloudStack sends after a start or a rule change: --check per NIC, then the rules. */
    static void ruleUpdate(String step, long seq, String rules, CsNic... nics) {
        for (CsNic nic : nics) {
            cs.ok(step + ": check " + nic.vif(), nic.defaultRules("0;", "--check"));
        }
        cs.ok(step + ": add_network_rules", nics[0].addRules(seq, rules, "0;"));
    }

    @Test
    void aCompleteVmLifecycle() {
        // CloudStack agent start (host connect).
        host.running("i-2-10-VM", 17);
        host.running("i-2-11-VM", 18);
        cs.ok("agent start", "can_bridge_firewall", "--privnic", BR);

        // VM start with two security-group NICs: the first resets the VM, the second joins it.
        cs.ok("VM start: NIC 1 (--isFirstNic)", a1.defaultRules("0;", "--isFirstNic"));
        cs.ok("VM start: NIC 2", a2.defaultRules("0;"));
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).as("no rules yet: ingress denied").isFalse();
        assertThat(a.tcpConnect(remote, Testbed.REMOTE_IPV4.get(0), 80)).as("no egress rule: open").isTrue();
        assertThat(cs.ok("ping: rule logs", "get_rule_logs_for_vms").stdout())
                .as("before the first rules CloudStack's initial tuple")
                .isEqualTo("i-2-10-VM,10,10.99.3.10,17,_initial_,-1\n");

        // The rules that follow every start: ssh from anywhere, ping over IPv4; shared by both NICs.
        ruleUpdate("rules seq 1", 1, R1, a1, a2);
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).as("tcp/22 NIC 1 v4").isTrue();
        assertThat(remote.tcpConnect(a, a1.ip6(), 22)).as("tcp/22 NIC 1 v6").isTrue();
        assertThat(remote.tcpConnect(a, a2.ip(), 22)).as("tcp/22 NIC 2 v4").isTrue();
        assertThat(remote.tcpConnect(a, a2.ip6(), 22)).as("tcp/22 NIC 2 v6").isTrue();
        assertThat(remote.ping(a2.ip())).as("icmp v4 NIC 2").isTrue();
        assertThat(remote.ping(a1.ip6())).as("the icmp rule has no v6 CIDR").isFalse();
        assertThat(remote.tcpConnect(a, a1.ip(), 8080)).as("tcp/8080 not yet").isFalse();

        Call logs = cs.ok("ping: rule logs", "get_rule_logs_for_vms");
        assertThat(logs.stdout()).isEqualTo("i-2-10-VM,10,10.99.3.10,17," + a1.sig(R1) + ",1\n");
        assertThat(logs.stderr()).isEmpty();
        long seqBefore = agentSeq("i-2-10-VM");
        Call dup = cs.ok("resend of the same rules", a1.addRules(1, R1, "0;"));
        assertThat(dup.stdout()).contains("already programmed");
        assertThat(agentSeq("i-2-10-VM")).as("a duplicate writes nothing").isEqualTo(seqBefore);

        // Rule update: tcp/8080 from the remote only, egress IPv4 only to port 80.
        ruleUpdate("rules seq 2", 2, R2, a1, a2);
        assertThat(remote.tcpConnect(a, a1.ip(), 8080)).as("tcp/8080 from the remote's 10.99 address /32").isTrue();
        assertThat(remote.tcpConnect(a, a2.ip(), 8080)).as("from its 10.98 address: not in the /32").isFalse();
        assertThat(a.tcpConnect(remote, Testbed.REMOTE_IPV4.get(0), 80)).as("egress v4 tcp/80").isTrue();
        assertThat(a.tcpConnect(remote, Testbed.REMOTE_IPV4.get(0), 443)).as("egress v4 tcp/443 denied").isFalse();
        assertThat(a.tcpConnect(remote, Testbed.REMOTE_IPV6.get(0), 443)).as("no v6 egress rule: open").isTrue();

        // Allow-all on: the VM leaves conntrack in both families, every address of both NICs.
        ruleUpdate("allow-all on (seq 3)", 3, ALLOW_ALL, a1, a2);
        assertThat(setMembers(tb, "sga-notrack-ipv4")).contains(a1.ip(), a2.ip());
        assertThat(setMembers(tb, "sga-notrack-ipv6")).contains(a1.ip6(), a2.ip6(), a.nic(0).linkLocal(),
                a.nic(1).linkLocal());
        assertThat(host.get("/api/v1/vms/i-2-10-VM").expect(200).body())
                .contains("\"notrack\":{\"ipv4\":true,\"ipv6\":true}");
        tb.conntrackFlush();
        assertThat(remote.tcpConnect(a, a1.ip(), 5555)).as("allow-all: any port").isTrue();
        assertThat(remote.udpExchange(a, a2.ip6(), 5556)).as("allow-all: udp v6 NIC 2").isTrue();
        assertThat(conntrackOf(tb, a1.ip())).as("untracked: no conntrack entry").isEmpty();
        assertThat(conntrackOf(tb, a2.ip6())).isEmpty();

        // Allow-all off: back to tracked, tcp/22 only.
        ruleUpdate("allow-all off (seq 4)", 4, R1, a1, a2);
        assertThat(setMembers(tb, "sga-notrack-ipv4")).doesNotContain(a1.ip(), a2.ip());
        assertThat(setMembers(tb, "sga-notrack-ipv6")).doesNotContain(a1.ip6(), a2.ip6());
        assertThat(host.get("/api/v1/vms/i-2-10-VM").body()).contains("\"notrack\":{\"ipv4\":false,\"ipv6\":false}");
        assertThat(remote.tcpConnect(a, a1.ip(), 5555)).as("any port no more").isFalse();
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).isTrue();
        assertThat(conntrackOf(tb, a1.ip())).as("tracked again").isNotEmpty();

        // A secondary address on NIC 1, added and removed at runtime.
        a.execOrThrow("ip", "addr", "add", "10.99.3.12/16", "dev", "eth0");
        assertThat(remote.tcpConnect(a, "10.99.3.12", 22)).as("not yet allowed as a source").isFalse();
        cs.ok("secondary IP add", "network_rules_vmSecondaryIp", "--vmname", a1.vmName(), "--vmmac", a1.mac(),
                "--nicsecips", "10.99.3.12", "--action=-A");
        assertThat(remote.tcpConnect(a, "10.99.3.12", 22)).as("secondary address works").isTrue();
        cs.ok("secondary IP remove", "network_rules_vmSecondaryIp", "--vmname", a1.vmName(), "--vmmac", a1.mac(),
                "--nicsecips", "10.99.3.12", "--action=-D");
        assertThat(remote.tcpConnect(a, "10.99.3.12", 22)).as("secondary address removed").isFalse();
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).as("primary unaffected").isTrue();

        // NIC unplug: CloudStack destroys the NIC's rules, then libvirt detaches the device.
        cs.ok("NIC unplug (per-NIC destroy)", a2.unplug("0;"));
        tb.execHv("ip", "link", "del", a2.vif());
        String vm = host.get("/api/v1/vms/i-2-10-VM").expect(200).body();
        assertThat(vm).contains("vnet31").doesNotContain("vnet32");
        assertThat(kernelDump(tb)).doesNotContain("vnet32").doesNotContain(a2.ip() + "/32");
        assertThat(remote.tcpConnect(a, a1.ip(), 22)).as("NIC 1 keeps its rules").isTrue();
        assertThat(remote.tcpConnect(a, a1.ip(), 8080)).isFalse();

        // A second VM starts; the ping now reports both.
        cs.ok("VM 2 start (--isFirstNic)", b1.defaultRules("0;", "--isFirstNic"));
        ruleUpdate("VM 2 rules seq 1", 1, R1, b1);
        assertThat(remote.tcpConnect(b, b1.ip(), 22)).isTrue();
        assertThat(cs.ok("ping: rule logs", "get_rule_logs_for_vms").stdout()).isEqualTo(
                "i-2-10-VM,10,10.99.3.10,17," + a1.sig(R1) + ",4;i-2-11-VM,11,10.99.3.11,18," + b1.sig(R1) + ",1\n");

        // VM stop: every trace goes, the neighbour is untouched.
        cs.ok("VM stop", "destroy_network_rules_for_vm", "--vmname", a1.vmName(), "--vif", a1.vif());
        host.gone("i-2-10-VM");
        assertThat(host.get("/api/v1/vms/i-2-10-VM").status()).isEqualTo(404);
        assertThat(kernelDump(tb)).doesNotContain("vnet31").doesNotContain("i-2-10-VM");
        assertThat(conntrackOf(tb, a1.ip())).as("flows of the stopped VM are gone").isEmpty();
        assertThat(remote.tcpConnect(b, b1.ip(), 22)).as("the neighbour keeps its rules").isTrue();

        // VM 2 disappears without a stop (libvirt no longer runs it); the periodic cleanup removes its rules.
        host.gone("i-2-11-VM");
        Call cleanup = cs.ok("cleanup of a VM libvirt no longer runs", "cleanup_rules");
        assertThat(cleanup.stdout()).contains("i-2-11-VM");
        assertThat(host.get("/api/v1/vms/i-2-11-VM").status()).isEqualTo(404);
        assertThat(kernelDump(tb)).doesNotContain("vnet33");
        assertThat(cs.ok("ping: rule logs", "get_rule_logs_for_vms").stdout()).isEqualTo("\n");

        assertThat(host.logText()).contains("add_network_rules i-2-10-VM exit=0");
        assertThat(host.statusWithoutToken("/api/v1/cloudstack/get_rule_logs_for_vms")).as("the API needs the token")
                .isEqualTo(401);
    }

    private static long agentSeq(String name) {
        String body = host.get("/api/v1/vms/" + name).expect(200).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"seq\":(\\d+)").matcher(body);
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }
}
