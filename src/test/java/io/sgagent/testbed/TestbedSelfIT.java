package io.sgagent.testbed;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/** Proves the testbed itself: without rules everything talks, with rules things are blocked, cleanup is complete. */
@KernelTest
class TestbedSelfIT {

    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("tbself");

    static Testbed tb;
    static Vm vm1;
    static Vm vm2;
    static Vm rm;
    static Vm hv;

    @BeforeAll
    static void topology() {
        tb = TB.get();
        vm1 = tb.addVm("vm1", "vnet1", "52:54:00:00:00:01", List.of("10.99.0.11"), List.of("fd99::11"));
        vm2 = tb.addVm("vm2", "vnet2", "52:54:00:00:00:02", List.of("10.99.0.12", "10.99.0.13"),
                List.of("fd99::12", "fd99::13"));
        rm = tb.remote();
        hv = tb.hypervisor();
    }

    @AfterEach
    void resetFirewall() {
        for (String t : List.of("iptables", "ip6tables")) {
            tb.execHv(t, "-P", "FORWARD", "ACCEPT");
            tb.execHv(t, "-F");
        }
    }

    @Test
    void withoutRulesEverythingTalks() {
        record Path(Vm from, Vm to, String ip) {
        }
        List<Path> paths = List.of(
                new Path(rm, vm1, "10.99.0.11"), new Path(rm, vm1, "fd99::11"),
                new Path(vm1, rm, "10.99.255.254"), new Path(vm1, rm, "fd99::ffff"),
                new Path(vm1, vm2, "10.99.0.12"), new Path(vm1, vm2, "fd99::12"),
                // secondary addresses answer from the right source (UDP uses IP(V6)_PKTINFO)
                new Path(vm1, vm2, "10.99.0.13"), new Path(vm1, vm2, "fd99::13"),
                new Path(vm2, vm1, "10.99.0.11"), new Path(vm2, vm1, "fd99::11"),
                new Path(vm1, hv, "10.99.0.1"), new Path(vm1, hv, "fd99::1"),
                new Path(hv, vm1, "10.99.0.11"), new Path(hv, vm1, "fd99::11"),
                // link-local: scope is the sender's interface
                new Path(vm1, vm2, vm2.nic(0).linkLocalVia("eth0")),
                new Path(rm, vm1, vm1.nic(0).linkLocalVia("eth0")));
        List<Executable> checks = new ArrayList<>();
        for (Path p : paths) {
            String what = p.from().name() + " -> " + p.to().name() + " " + p.ip();
            checks.add(() -> assertEquals(ProbeResult.SUCCESS, p.from().tcpProbe(p.to(), p.ip(), 8080), "tcp " + what));
            checks.add(() -> assertEquals(ProbeResult.SUCCESS, p.from().udpProbe(p.to(), p.ip(), 5353), "udp " + what));
            checks.add(() -> assertEquals(ProbeResult.SUCCESS, p.from().pingProbe(p.ip()), "ping " + what));
        }
        assertAll(checks);
    }

    @Test
    void linkLocalIsEui64OfMac() {
        assertEquals("fe80::5054:ff:fe00:1", vm1.linkLocal());
        assertEquals("fe80::99:ff:fe00:fffe", rm.linkLocal());
        String shown = vm1.execOrThrow("ip", "-6", "addr", "show", "dev", "eth0", "scope", "link");
        assertTrue(shown.contains("fe80::5054:ff:fe00:1/64"), shown);
        assertTrue(vm1.execOrThrow("ip", "link", "show", "eth0").contains("52:54:00:00:00:01"));
    }

    @Test
    void unansweredProbesFailFast() {
        assertFast(() -> vm1.ping("10.99.77.77"), "ping v4 nobody");
        assertFast(() -> vm1.ping("fd99::7777"), "ping v6 nobody");
        assertFast(() -> vm1.tcpConnect(null, "10.99.77.77", 8080), "tcp v4 nobody");
        assertFast(() -> vm1.udpExchange(null, "fd99::7777", 5353), "udp v6 nobody");
        // nobody listening: refused by the kernel of the target (RST / ICMP port unreachable)
        assertEquals(ProbeResult.REFUSED, vm1.tcpProbe(null, "10.99.0.12", 9));
        assertEquals(ProbeResult.REFUSED, vm1.udpProbe(null, "fd99::12", 9));
    }

    @Test
    void forwardDropBlocksBridgedTrafficOnly() {
        rm.serveTcp(8080);
        assertTrue(vm1.tcpConnect(rm, rm.ipv4(), 8080));

        tb.execHv("iptables", "-A", "FORWARD", "-j", "DROP");
        assertFast(() -> vm1.tcpConnect(rm, rm.ipv4(), 8080), "tcp v4 through FORWARD DROP");
        assertEquals(ProbeResult.TIMEOUT, vm1.tcpProbe(rm, rm.ipv4(), 8080));
        assertFalse(vm1.ping(vm2.ipv4()), "VM to VM is bridged, too");
        assertTrue(vm1.tcpConnect(rm, rm.ipv6(), 8080), "ip6tables is separate");
        assertTrue(vm1.tcpConnect(hv, "10.99.0.1", 8080), "host traffic goes through INPUT, not FORWARD");

        tb.execHv("ip6tables", "-A", "FORWARD", "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
        assertEquals(ProbeResult.REFUSED, vm1.tcpProbe(rm, rm.ipv6(), 8080));
        assertTrue(vm1.ping(rm.ipv6()), "only TCP is rejected");

        tb.execHv("iptables", "-D", "FORWARD", "-j", "DROP");
        assertTrue(vm1.tcpConnect(rm, rm.ipv4(), 8080), "rule removed");
    }

    @Test
    void conntrackCountsTrackedFlows() {
        tb.execHv("iptables", "-A", "FORWARD", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
        tb.execHv("ip6tables", "-A", "FORWARD", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j",
                "ACCEPT");
        tb.conntrackFlush();
        assertTrue(vm1.tcpConnect(rm, rm.ipv4(), 8081));
        assertTrue(vm1.tcpConnect(rm, rm.ipv6(), 8081));
        assertTrue(tb.conntrackCount() > 0, "conntrack count");
        List<String> entries = tb.conntrackEntries();
        assertTrue(entries.stream().anyMatch(e -> e.contains("src=10.99.0.11") && e.contains("dport=8081")),
                entries.toString());
        assertTrue(entries.stream().anyMatch(e -> e.contains("src=fd99::11") && e.contains("dport=8081")),
                entries.toString());
        tb.conntrackFlush();
    }

    @Test
    void forgedSourceAddressIsTemporary() {
        assertTrue(vm1.udpExchangeFrom(rm, "10.99.0.99", rm.ipv4(), 5354), "unused address: echo comes back");
        assertTrue(vm1.udpExchangeFrom(rm, "fd99::99", rm.ipv6(), 5354));
        assertFalse(vm1.hasLocalAddress("10.99.0.99"));
        assertFalse(vm1.hasLocalAddress("fd99::99"));
        assertTrue(vm1.udpExchangeFrom(rm, "10.99.0.11", rm.ipv4(), 5354), "own address works and stays");
        assertTrue(vm1.hasLocalAddress("10.99.0.11"));

        tb.execHv("iptables", "-A", "FORWARD", "-s", "10.99.0.99", "-j", "DROP");
        assertFalse(vm1.udpExchangeFrom(rm, "10.99.0.99", rm.ipv4(), 5354));
        assertTrue(vm1.udpExchange(rm, rm.ipv4(), 5354));
        assertTrue(vm1.tcpConnectFrom(rm, "10.99.0.98", rm.ipv4(), 8080));
        assertFalse(vm1.pingFrom("10.99.0.99", rm.ipv4()));
        assertTrue(vm1.pingFrom("10.99.0.98", rm.ipv4()));
    }

    @Test
    void secondNicUsesItsOwnSubnet() {
        Vm vm3 = tb.addVm("vm3", "vnet3", "52:54:00:00:00:03", List.of("10.99.0.31"), List.of("fd99::31"));
        tb.addNic(vm3, "vnet3b", "52:54:00:00:01:03", List.of("10.98.0.31"), List.of("fd98::31"));
        assertEquals("eth1", vm3.nic(1).inner());
        assertTrue(rm.tcpConnect(vm3, "10.98.0.31", 8080));
        assertTrue(rm.udpExchange(vm3, "fd98::31", 5353));
        assertTrue(vm3.ping("10.98.255.254"));
        assertTrue(vm3.ping("fd98::fffe"));
        assertTrue(vm3.ping("10.98.0.1"));
        assertTrue(rm.tcpConnect(vm3, "10.99.0.31", 8080));
        // no ARP flux: the remote learned eth1's MAC for eth1's address
        String neigh = rm.execOrThrow("ip", "neigh", "show", "10.98.0.31");
        assertTrue(neigh.contains("52:54:00:00:01:03"), neigh);
        // ...and traffic for it enters the bridge on the second port
        tb.execHv("iptables", "-A", "FORWARD", "-m", "physdev", "--physdev-out", "vnet3b", "-j", "DROP");
        assertFalse(rm.tcpConnect(vm3, "10.98.0.31", 8080));
        assertTrue(rm.tcpConnect(vm3, "10.99.0.31", 8080));
    }

    @Test
    void closeRemovesNamespacesAndProcesses() {
        String prefix = "tbclose";
        // a leftover of a "crashed" earlier run
        Cmd.run(Cmd.DEFAULT_TIMEOUT, "ip", "netns", "add", prefix + "-junk").orThrow();
        List<Long> pids;
        try (Testbed t = Testbed.create(prefix)) {
            assertFalse(Testbed.listNamespaces().contains(prefix + "-junk"), "leftover removed at create");
            Vm a = t.addVm("a", "vnetA", "52:54:00:00:0a:01", List.of("10.99.1.1"), List.of("fd99::1:1"));
            a.serveTcp(80, 81).serveUdp(53);
            assertTrue(t.remote().tcpConnect(a, "10.99.1.1", 80));
            pids = Cmd.run(Cmd.DEFAULT_TIMEOUT, "ip", "netns", "pids", a.namespace()).orThrow().lines().stream()
                    .map(Long::parseLong).toList();
            assertEquals(3, pids.size(), "three servers run in the VM namespace");
            assertEquals(List.of("tbclose-hv", "tbclose-rm", "tbclose-a"), t.namespaces());
        }
        assertTrue(Testbed.listNamespaces().stream().noneMatch(n -> n.startsWith(prefix + "-")),
                Testbed.listNamespaces().toString());
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "server " + pid + " killed");
        }
    }

    private static void assertFast(BooleanSupplier probe, String what) {
        long t0 = System.nanoTime();
        boolean result = probe.getAsBoolean();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(result, what + " must fail");
        assertTrue(ms < 2500, what + " took " + ms + " ms");
    }
}
