package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static io.sgagent.kernel.VmBody.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Frames;
import io.sgagent.testbed.RawLink;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * B3/B5 against a malicious guest, with hand-built frames ({@link Frames}) sent from a VM's interface exactly as a
 * compromised guest kernel could send them, and receiver-side raw captures ({@link RawLink}) as proof: each test
 * sends a <em>control</em> frame that differs from the forged ones only in the forged field, and asserts that the
 * receiver sees the control and none of the forged frames. So a drop is the agent's doing, not a broken probe.
 *
 * <pre>
 *   a  attacker   vnet1 eth0 02:00:00:00:05:01 10.99.5.10 fd99::5:10   tracked (ingress tcp 22, egress open)
 *                 vnet2 eth1 02:00:00:00:05:02 10.98.5.10 fd98::5:10   (second NIC)
 *   n  neighbour  vnet3      02:00:00:00:05:03 10.99.5.20 fd99::5:20   UNTRACKED (allow-all both ways)
 *   v  victim     vnet4      02:00:00:00:05:04 10.99.5.30 fd99::5:30   tracked, ingress allows everything
 *   t  tracked    vnet5      02:00:00:00:05:05 10.99.5.40 fd99::5:40   tracked, ingress udp 5000 + tcp 80 only
 *   remote (uplink) 10.99.255.254 fd99::ffff; hypervisor br0 10.99.0.1 fd99::1
 * </pre>
 * See docs/security.md for the threat model; every attack there names its test here.
 */
class AdversarialPacketsIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgadv");

    static RunningAgent agent;
    static Testbed tb;
    static Vm a;
    static Vm n;
    static Vm v;
    static Vm t;
    static Vm remote;
    static Vm hv;

    @BeforeAll
    static void start() {
        tb = TB.get();
        a = tb.addVm("a", "vnet1", "02:00:00:00:05:01", List.of("10.99.5.10"), List.of("fd99::5:10"));
        tb.addNic(a, "vnet2", "02:00:00:00:05:02", List.of("10.98.5.10"), List.of("fd98::5:10"));
        n = tb.addVm("n", "vnet3", "02:00:00:00:05:03", List.of("10.99.5.20"), List.of("fd99::5:20"));
        v = tb.addVm("v", "vnet4", "02:00:00:00:05:04", List.of("10.99.5.30"), List.of("fd99::5:30"));
        t = tb.addVm("t", "vnet5", "02:00:00:00:05:05", List.of("10.99.5.40"), List.of("fd99::5:40"));
        remote = tb.remote();
        hv = tb.hypervisor();
        agent = RunningAgent.start(tb.hvNamespace());
        agent.putVm("a", VmBody.of(a, 1).ingress(tcp(22, 22, "0.0.0.0/0", "::/0"))).expect(200);
        agent.putVm("n", VmBody.of(n, 1).ingress(all("0.0.0.0/0", "::/0"))).expect(200);
        agent.putVm("v", VmBody.of(v, 1).ingress(all("0.0.0.0/0", "::/0")).egress(tcp(443, 443, "0.0.0.0/0", "::/0")))
                .expect(200);
        agent.putVm("t", VmBody.of(t, 1).ingress(udp(5000, 5000, "0.0.0.0/0", "::/0"))
                .ingress(tcp(80, 80, "0.0.0.0/0", "::/0"))).expect(200);
        assertThat(agent.get("/api/v1/vms/n").expect(200).body()).contains("\"ipv4\":true", "\"ipv6\":true");
        assertThat(agent.get("/api/v1/vms/t").expect(200).body()).contains("\"ipv4\":false", "\"ipv6\":false");
        assertThat(agent.get("/api/v1/vms/v").expect(200).body()).contains("\"ipv4\":false", "\"ipv6\":false");
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

    // ------------------------------------------------------------------ helpers

    /** One or more frames (fragments) together with the token a capture recognises them by. */
    record Sent(String what, List<byte[]> frames, byte[] token) {
    }

    interface FrameMaker {
        byte[] make(byte[] token);
    }

    interface FramesMaker {
        List<byte[]> make(byte[] token);
    }

    static Sent frame(String what, FrameMaker maker) {
        byte[] token = Frames.token();
        return new Sent(what, List.of(maker.make(token)), token);
    }

    static Sent frames(String what, FramesMaker maker) {
        byte[] token = Frames.token();
        return new Sent(what, maker.make(token), token);
    }

    static List<byte[]> wire(List<Sent> sent) {
        return sent.stream().flatMap(x -> x.frames().stream()).toList();
    }

    /**
     * Sends {@code control} and {@code forged} from {@code sender}'s {@code iface}, captures on the receiver's
     * {@code eth0}, and asserts that the control arrived and no forged frame did.
     */
    static void onlyControlArrives(Vm sender, String iface, Vm receiver, Sent control, Sent... forged) {
        List<Sent> all = new ArrayList<>();
        all.add(control);
        all.addAll(List.of(forged));
        Set<Integer> seen = RawLink.arrivals(receiver, "eth0", all.stream().map(Sent::token).toList(),
                () -> RawLink.send(sender, iface, 3, wire(all)));
        assertThat(seen).as("control frame '" + control.what() + "' reached " + receiver.name()).contains(0);
        List<String> leaked = IntStream.range(1, all.size()).filter(seen::contains)
                .mapToObj(i -> all.get(i).what()).toList();
        assertThat(leaked).as("forged frames that reached " + receiver.name()).isEmpty();
    }

    static Set<Integer> arrivals(Vm sender, String iface, Vm receiver, Sent... frames) {
        return RawLink.arrivals(receiver, "eth0", List.of(frames).stream().map(Sent::token).toList(),
                () -> RawLink.send(sender, iface, 3, wire(List.of(frames))));
    }

    static String lladdrOf(Vm vm, String address) {
        String line = vm.exec("ip", "neigh", "show", address, "dev", "eth0").stdout().strip();
        int i = line.indexOf("lladdr ");
        return i < 0 ? "" : line.substring(i + 7).split("\\s+")[0];
    }

    static String aMac() {
        return a.mac();
    }

    // ------------------------------------------------------------------ forged IP sources (B3)

    @Test
    void forgedIpv4SourcesAreDroppedBeforeConntrack() {
        String to = remote.ipv4();
        onlyControlArrives(a, "eth0", remote,
                frame("own address", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), a.ipv4(), to, 4000, 7001, tk)),
                frame("unused address", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), "10.99.5.99", to, 4000, 7001, tk)),
                frame("untracked neighbour's", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), n.ipv4(), to, 4000, 7001, tk)),
                frame("hypervisor's", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), "10.99.0.1", to, 4000, 7001, tk)),
                frame("remote's own (reflection)", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), to, to, 4000, 7001, tk)),
                frame("0.0.0.0 not DHCP", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), "0.0.0.0", to, 68, 67, tk)),
                frame("broadcast source", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), "255.255.255.255", to, 4000,
                        7001, tk)));
        assertThat(conntrackOf(tb, "10.99.5.99")).as("dropped in raw, before conntrack").isEmpty();
        assertThat(conntrackOf(tb, n.ipv4())).isEmpty();
    }

    @Test
    void forgedIpv6SourcesAreDroppedBeforeConntrack() {
        String to = remote.ipv6();
        String nLinkLocal = n.linkLocal();
        onlyControlArrives(a, "eth0", remote,
                frame("own address", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), a.ipv6(), to, 4000, 7001, tk)),
                frame("unused address", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), "fd99::5:99", to, 4000, 7001, tk)),
                frame("untracked neighbour's", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), n.ipv6(), to, 4000, 7001, tk)),
                frame("neighbour's link-local", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), nLinkLocal, to, 4000,
                        7001, tk)),
                frame("other link-local", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), "fe80::1", to, 4000, 7001, tk)),
                frame("hypervisor's", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), "fd99::1", to, 4000, 7001, tk)),
                frame(":: for UDP", tk -> Frames.udp6(Testbed.REMOTE_MAC, aMac(), "::", to, 4000, 7001, tk)),
                frame(":: for an echo request", tk -> Frames.echo6(Testbed.REMOTE_MAC, aMac(), "::", to, 64, tk)));
        assertThat(conntrackOf(tb, "fd99::5:99")).isEmpty();
        assertThat(conntrackOf(tb, n.ipv6())).isEmpty();
    }

    @Test
    void ownLinkLocalSourceIsAllowed() {
        onlyControlArrives(a, "eth0", remote,
                frame("own link-local", tk -> Frames.echo6(Testbed.REMOTE_MAC, aMac(), a.linkLocal(),
                        remote.linkLocal(), 64, tk)));
    }

    // ------------------------------------------------------------------ forged MAC, ARP (B3, bridge layer)

    @Test
    void forgedSourceMacsAreDroppedBeforeTheBridgeLearnsThem() {
        String to = remote.ipv4();
        onlyControlArrives(a, "eth0", remote,
                frame("own MAC", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), a.ipv4(), to, 4000, 7002, tk)),
                frame("unused MAC", tk -> Frames.udp4(Testbed.REMOTE_MAC, "02:00:00:00:05:99", a.ipv4(), to, 4000,
                        7002, tk)),
                frame("neighbour's MAC", tk -> Frames.udp4(Testbed.REMOTE_MAC, n.mac(), a.ipv4(), to, 4000, 7002, tk)),
                frame("sibling NIC's MAC", tk -> Frames.udp4(Testbed.REMOTE_MAC, a.nic(1).mac(), a.ipv4(), to, 4000,
                        7002, tk)),
                frame("remote's MAC", tk -> Frames.udp4(Testbed.REMOTE_MAC, Testbed.REMOTE_MAC, a.ipv4(), to, 4000,
                        7002, tk)),
                frame("IPv6 with a forged MAC", tk -> Frames.udp6(Testbed.REMOTE_MAC, "02:00:00:00:05:99", a.ipv6(),
                        remote.ipv6(), 4000, 7002, tk)));
        String fdb = tb.execHv("bridge", "fdb", "show", "br", Testbed.BRIDGE);
        assertThat(fdb).as("the bridge never learnt a forged MAC on vnet1")
                .doesNotContain("02:00:00:00:05:99")
                .doesNotContainPattern(n.mac() + " dev vnet1")
                .doesNotContainPattern(Testbed.REMOTE_MAC + " dev vnet1");
    }

    @Test
    void anArpReplyClaimingANeighboursAddressNeitherArrivesNorPoisonsTheVictim() {
        // The victim knows the neighbour (it learnt n from n's ARP request): a forged reply would have an entry to
        // overwrite. (v's own egress allows only tcp 443, so n pings v rather than the other way round.)
        assertThat(n.ping(v.ipv4())).isTrue();
        assertThat(lladdrOf(v, n.ipv4())).isEqualTo(n.mac());
        String fakeTarget = "02:00:00:00:05:ee";
        onlyControlArrives(a, "eth0", v,
                frame("reply for own address", tk -> Frames.arp(v.mac(), aMac(), 2, aMac(), a.ipv4(), fakeTarget,
                        v.ipv4(), tk)),
                frame("reply claiming the neighbour's address", tk -> Frames.arp(v.mac(), aMac(), 2, aMac(), n.ipv4(),
                        fakeTarget, v.ipv4(), tk)),
                frame("gratuitous ARP for the neighbour's address", tk -> Frames.arp(Frames.BROADCAST, aMac(), 1,
                        aMac(), n.ipv4(), "00:00:00:00:00:00", n.ipv4(), tk)),
                frame("reply claiming the hypervisor's address", tk -> Frames.arp(v.mac(), aMac(), 2, aMac(),
                        "10.99.0.1", fakeTarget, v.ipv4(), tk)),
                frame("reply claiming the remote's address", tk -> Frames.arp(v.mac(), aMac(), 2, aMac(),
                        remote.ipv4(), fakeTarget, v.ipv4(), tk)));
        assertThat(lladdrOf(v, n.ipv4())).as("the victim's neighbour cache still maps the neighbour correctly")
                .isIn(n.mac(), "");
        assertThat(n.ping(v.ipv4())).isTrue();
    }

    @Test
    void arpWithAMacThatIsNotItsOwnIsDropped() {
        String fakeTarget = "02:00:00:00:05:ef";
        onlyControlArrives(a, "eth0", remote,
                frame("consistent ARP", tk -> Frames.arp(Testbed.REMOTE_MAC, aMac(), 2, aMac(), a.ipv4(), fakeTarget,
                        remote.ipv4(), tk)),
                frame("ARP sender MAC of the neighbour", tk -> Frames.arp(Testbed.REMOTE_MAC, aMac(), 2, n.mac(),
                        a.ipv4(), fakeTarget, remote.ipv4(), tk)),
                frame("ARP sender MAC unused", tk -> Frames.arp(Testbed.REMOTE_MAC, aMac(), 2, "02:00:00:00:05:99",
                        a.ipv4(), fakeTarget, remote.ipv4(), tk)),
                frame("Ethernet and ARP both forged", tk -> Frames.arp(Testbed.REMOTE_MAC, "02:00:00:00:05:99", 2,
                        "02:00:00:00:05:99", a.ipv4(), fakeTarget, remote.ipv4(), tk)),
                frame("ARP request with a foreign MAC", tk -> Frames.arp(Frames.BROADCAST, aMac(), 1, n.mac(),
                        a.ipv4(), "00:00:00:00:00:00", remote.ipv4(), tk)));
    }

    @Test
    void arpProbesFromTheUnspecifiedAddressStillPass() {
        onlyControlArrives(a, "eth0", remote,
                frame("RFC 5227 probe", tk -> Frames.arp(Frames.BROADCAST, aMac(), 1, aMac(), "0.0.0.0",
                        "00:00:00:00:00:00", a.ipv4(), tk)));
    }

    @Test
    void nonIpEthertypesAreDropped() {
        onlyControlArrives(a, "eth0", remote,
                frame("IPv4", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), a.ipv4(), remote.ipv4(), 4000, 7003, tk)),
                frame("802.1Q-tagged IPv4 from its own address (VLAN hopping)", tk -> tagged(Frames.udp4(
                        Testbed.REMOTE_MAC, aMac(), a.ipv4(), remote.ipv4(), 4000, 7003, tk), 0x8100, 5)),
                frame("802.1ad-tagged IPv4 from its own address", tk -> tagged(Frames.udp4(Testbed.REMOTE_MAC, aMac(),
                        a.ipv4(), remote.ipv4(), 4000, 7003, tk), 0x88a8, 5)),
                frame("802.1Q-tagged IPv4, forged source", tk -> tagged(Frames.udp4(Testbed.REMOTE_MAC, aMac(),
                        "10.99.5.99", remote.ipv4(), 4000, 7003, tk), 0x8100, 5)),
                frame("unknown ethertype", tk -> Frames.ethernet(Testbed.REMOTE_MAC, aMac(), 0x88b5, pad(tk))),
                frame("IPX-style 802.3 length field", tk -> Frames.ethernet(Testbed.REMOTE_MAC, aMac(), 46, pad(tk))));
    }

    // ------------------------------------------------------------------ infrastructure impersonation (B3)

    @Test
    void dhcpServerRepliesAreDropped() {
        onlyControlArrives(a, "eth0", remote,
                frame("udp 1067->68 broadcast", tk -> Frames.udp4(Frames.BROADCAST, aMac(), a.ipv4(), "255.255.255.255",
                        1067, 68, tk)),
                frame("DHCP offer 67->68 broadcast", tk -> Frames.udp4(Frames.BROADCAST, aMac(), a.ipv4(),
                        "255.255.255.255", 67, 68, tk)),
                frame("DHCP reply 67->68 to the remote", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), a.ipv4(),
                        remote.ipv4(), 67, 68, tk)));
        onlyControlArrives(a, "eth0", v,
                frame("udp 1067->68 unicast", tk -> Frames.udp4(v.mac(), aMac(), a.ipv4(), v.ipv4(), 1067, 68, tk)),
                frame("DHCP ack 67->68 unicast", tk -> Frames.udp4(v.mac(), aMac(), a.ipv4(), v.ipv4(), 67, 68, tk)),
                frame("DHCP offer 67->68 broadcast", tk -> Frames.udp4(Frames.BROADCAST, aMac(), a.ipv4(),
                        "255.255.255.255", 67, 68, tk)));
    }

    @Test
    void dhcpv6ServerRepliesAreDropped() {
        String from = a.linkLocal();
        onlyControlArrives(a, "eth0", v,
                frame("udp 1547->546", tk -> Frames.udp6(v.mac(), aMac(), from, v.linkLocal(), 1547, 546, tk)),
                frame("DHCPv6 reply 547->546", tk -> Frames.udp6(v.mac(), aMac(), from, v.linkLocal(), 547, 546, tk)),
                frame("DHCPv6 reply from a global address", tk -> Frames.udp6(v.mac(), aMac(), a.ipv6(), v.ipv6(), 547,
                        546, tk)),
                frame("DHCPv6 advertise to all nodes", tk -> Frames.udp6(Frames.multicastMac("ff02::1"), aMac(), from,
                        "ff02::1", 547, 546, tk)));
    }

    @Test
    void routerAdvertisementsAndRedirectsAreDropped() {
        String from = a.linkLocal();
        String allNodes = Frames.multicastMac("ff02::1");
        onlyControlArrives(a, "eth0", v,
                frame("echo request to all nodes", tk -> Frames.echo6(allNodes, aMac(), from, "ff02::1", 255, tk)),
                frame("router advertisement to all nodes", tk -> Frames.routerAdvertisement(allNodes, aMac(), from,
                        "ff02::1", tk)),
                frame("router advertisement unicast", tk -> Frames.routerAdvertisement(v.mac(), aMac(), from,
                        v.linkLocal(), tk)),
                frame("redirect", tk -> Frames.redirect(v.mac(), aMac(), from, v.linkLocal(), from, remote.ipv6(),
                        tk)));
        onlyControlArrives(a, "eth0", remote,
                frame("echo request to all nodes", tk -> Frames.echo6(allNodes, aMac(), from, "ff02::1", 255, tk)),
                frame("router advertisement to all nodes", tk -> Frames.routerAdvertisement(allNodes, aMac(), from,
                        "ff02::1", tk)));
    }

    @Test
    void routerAdvertisementsHiddenBehindExtensionHeadersOrInFragmentsAreDropped() {
        String from = a.linkLocal();
        String to = v.linkLocal();
        String mac = v.mac();
        onlyControlArrives(a, "eth0", v,
                frame("echo request behind a hop-by-hop header", tk -> Frames.icmp6BehindExtensionHeader(0, mac,
                        aMac(), from, to, 255, 128, Frames.echoBody(tk))),
                frame("RA behind a hop-by-hop header", tk -> Frames.icmp6BehindExtensionHeader(0, mac, aMac(), from, to,
                        255, 134, Frames.routerAdvertisementBody(aMac(), tk))),
                frame("RA behind a destination-options header", tk -> Frames.icmp6BehindExtensionHeader(60, mac, aMac(),
                        from, to, 255, 134, Frames.routerAdvertisementBody(aMac(), tk))));
        onlyControlArrives(a, "eth0", v,
                frames("fragmented echo request", tk -> Frames.fragmentedIcmp6(mac, aMac(), from, to, 255, 128,
                        Frames.echoBody(tk))),
                frames("fragmented RA", tk -> Frames.fragmentedIcmp6(mac, aMac(), from, to, 255, 134,
                        Frames.routerAdvertisementBody(aMac(), tk))));
    }

    // ------------------------------------------------------------------ NIC isolation (B3)

    @Test
    void aNicCannotUseItsSiblingNicsAddresses() {
        String eth1Mac = a.nic(1).mac();
        onlyControlArrives(a, "eth1", remote,
                frame("eth1's own IPv4", tk -> Frames.udp4(Testbed.REMOTE_MAC, eth1Mac, "10.98.5.10", "10.98.255.254",
                        4000, 7004, tk)),
                frame("eth0's IPv4 from eth1", tk -> Frames.udp4(Testbed.REMOTE_MAC, eth1Mac, "10.99.5.10",
                        remote.ipv4(), 4000, 7004, tk)),
                frame("eth0's IPv6 from eth1", tk -> Frames.udp6(Testbed.REMOTE_MAC, eth1Mac, "fd99::5:10",
                        remote.ipv6(), 4000, 7004, tk)),
                frame("eth0's link-local from eth1", tk -> Frames.udp6(Testbed.REMOTE_MAC, eth1Mac, a.linkLocal(),
                        remote.linkLocal(), 4000, 7004, tk)),
                frame("eth0's MAC on eth1", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), "10.98.5.10",
                        "10.98.255.254", 4000, 7004, tk)));
        onlyControlArrives(a, "eth1", remote,
                frame("eth1's own IPv6", tk -> Frames.udp6(Testbed.REMOTE_MAC, eth1Mac, "fd98::5:10", "fd98::fffe",
                        4000, 7004, tk)),
                frame("eth1 ARP for eth0's address", tk -> Frames.arp(Frames.BROADCAST, eth1Mac, 1, eth1Mac,
                        "10.99.5.10", "00:00:00:00:00:00", remote.ipv4(), tk)));
    }

    // ------------------------------------------------------------------ what must still work (B3 exceptions)

    @Test
    void dhcpDiscoveryFromTheUnspecifiedAddressStillPasses() {
        onlyControlArrives(a, "eth0", remote,
                frame("DHCP discover 0.0.0.0:68 -> 255.255.255.255:67", tk -> Frames.udp4(Frames.BROADCAST, aMac(),
                        "0.0.0.0", "255.255.255.255", 68, 67, tk)),
                frame("0.0.0.0 to a unicast address", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), "0.0.0.0",
                        remote.ipv4(), 68, 67, tk)),
                frame("0.0.0.0 broadcast to another port", tk -> Frames.udp4(Frames.BROADCAST, aMac(), "0.0.0.0",
                        "255.255.255.255", 68, 9999, tk)),
                frame("0.0.0.0 with a forged MAC", tk -> Frames.udp4(Frames.BROADCAST, "02:00:00:00:05:99", "0.0.0.0",
                        "255.255.255.255", 68, 67, tk)));
    }

    @Test
    void duplicateAddressDetectionFromTheUnspecifiedAddressStillPasses() {
        // DAD probes an address the VM is about to use: one of its own (B3 lets only those through, see below).
        String tentative = a.ipv6();
        String group = Frames.solicitedNode(tentative);
        onlyControlArrives(a, "eth0", remote,
                frame("DAD neighbour solicitation from ::", tk -> Frames.neighbourSolicitation(Frames.multicastMac(group),
                        aMac(), "::", group, tentative, tk)),
                frame("DAD from :: with a forged MAC", tk -> Frames.neighbourSolicitation(Frames.multicastMac(group),
                        "02:00:00:00:05:99", "::", group, tentative, tk)),
                frame("router advertisement from ::", tk -> Frames.routerAdvertisement(Frames.multicastMac("ff02::1"),
                        aMac(), "::", "ff02::1", tk)));
        // ...and the victim accepts it too (B1 lets neighbour discovery in).
        onlyControlArrives(a, "eth0", v,
                frame("DAD neighbour solicitation from ::", tk -> Frames.neighbourSolicitation(Frames.multicastMac(group),
                        aMac(), "::", group, tentative, tk)));
    }

    // ------------------------------------------------------------------ IPv6 neighbour discovery (B3)

    /**
     * The IPv6 twin of the ARP test above: a neighbour advertisement may only announce the sending NIC's own
     * addresses (its link-local included). One claiming another VM's address, the hypervisor's, or hidden behind an
     * extension header (where a fixed-offset target check could be fooled) never reaches the victim, and the
     * victim's neighbour entry keeps pointing at the real owner.
     */
    @Test
    void aNeighbourAdvertisementForAnotherVmsAddressIsDroppedAndDoesNotPoisonTheVictim() {
        assertThat(n.ping(v.ipv6())).isTrue();
        assertThat(lladdrOf(v, n.ipv6())).isEqualTo(n.mac());
        String from = a.linkLocal();
        String to = v.linkLocal();
        onlyControlArrives(a, "eth0", v,
                frame("NA for its own address", tk -> Frames.neighbourAdvertisement(v.mac(), aMac(), from, to,
                        a.ipv6(), aMac(), false, tk)),
                frame("NA claiming the neighbour's address", tk -> Frames.neighbourAdvertisement(v.mac(), aMac(), from,
                        to, n.ipv6(), aMac(), false, tk)),
                frame("solicited NA claiming the neighbour's address", tk -> Frames.neighbourAdvertisement(v.mac(),
                        aMac(), from, to, n.ipv6(), aMac(), true, tk)),
                frame("NA claiming the neighbour's link-local", tk -> Frames.neighbourAdvertisement(v.mac(), aMac(),
                        from, to, n.linkLocal(), aMac(), false, tk)),
                frame("NA claiming the hypervisor's address", tk -> Frames.neighbourAdvertisement(v.mac(), aMac(),
                        from, to, "fd99::1", aMac(), false, tk)),
                frame("unsolicited NA to all nodes for the neighbour's address", tk ->
                        Frames.neighbourAdvertisement(Frames.multicastMac("ff02::1"), aMac(), from, "ff02::1",
                                n.ipv6(), aMac(), false, tk)),
                frame("NA for its own address from its global address but the second NIC's target", tk ->
                        Frames.neighbourAdvertisement(v.mac(), aMac(), a.ipv6(), to, "fd98::5:10", aMac(), false, tk)),
                frame("NA for its own address behind a destination-options header", tk ->
                        Frames.icmp6BehindExtensionHeader(60, v.mac(), aMac(), from, to, 255, 136,
                                naBody(a.ipv6(), tk))));
        assertThat(lladdrOf(v, n.ipv6())).as("the victim's neighbour entry still maps the neighbour correctly")
                .isIn(n.mac(), "");
        assertThat(n.ping(v.ipv6())).as("neighbour discovery between honest VMs still works").isTrue();
    }

    /**
     * A neighbour solicitation resolving another address is normal (its source is already checked); only
     * duplicate address detection (from ::) is limited to the NIC's own addresses, or a VM could make a neighbour
     * believe its address is taken.
     */
    @Test
    void aNeighbourSolicitationMayResolveAnyAddressButDadOnlyItsOwn() {
        String target = n.ipv6();
        String group = Frames.solicitedNode(target);
        onlyControlArrives(a, "eth0", n,
                frame("NS resolving the neighbour's address", tk -> Frames.neighbourSolicitation(
                        Frames.multicastMac(group), aMac(), a.linkLocal(), group, target, tk)),
                frame("DAD NS for the neighbour's address", tk -> Frames.neighbourSolicitation(
                        Frames.multicastMac(group), aMac(), "::", group, target, tk)),
                frame("DAD NS for an unassigned address", tk -> Frames.neighbourSolicitation(
                        Frames.multicastMac(Frames.solicitedNode("fd99::5:77")), aMac(), "::",
                        Frames.solicitedNode("fd99::5:77"), "fd99::5:77", tk)));
        assertThat(a.ping(n.ipv6())).as("address resolution in both directions still works").isTrue();
    }

    /** Body (after type, code, checksum) of an override NA for {@code target} at the attacker's MAC, token after. */
    private static byte[] naBody(String target, byte[] token) {
        try {
            java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(4 + 16 + 8 + token.length);
            body.putInt(0x20000000).put(java.net.InetAddress.getByName(target).getAddress());
            body.put((byte) 2).put((byte) 1);
            for (String octet : aMac().split(":")) {
                body.put((byte) Integer.parseInt(octet, 16));
            }
            return body.put(token).array();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * NOT FILTERED BY DESIGN (docs/ruleset.md section 9, docs/security.md): the hypervisor's own packets to a VM
     * leave through OUTPUT and skip the VM's ingress rules, and a VM's packets to the hypervisor go to INPUT, which
     * the agent does not hook (the host firewall decides). Pinned here so the documentation stays true.
     */
    @Test
    void notFilteredByDesign_hypervisorToVmAndVmToHypervisor() {
        assertThat(remote.tcpConnect(t, t.ipv4(), 2301)).as("t's ingress allows only udp 5000 and tcp 80").isFalse();
        assertThat(hv.tcpConnect(t, t.ipv4(), 2301)).as("hypervisor -> VM is not filtered").isTrue();
        assertThat(t.tcpConnect(hv, "10.99.0.1", 2302)).as("VM -> hypervisor goes to INPUT").isTrue();
        // ...but anti-spoofing still applies to packets addressed to the hypervisor (raw PREROUTING sees them).
        onlyControlArrives(a, "eth0", remote,
                frame("own address", tk -> Frames.udp4(Testbed.REMOTE_MAC, aMac(), a.ipv4(), remote.ipv4(), 4000, 7005,
                        tk)));
        assertThat(a.udpExchangeFrom(hv, "10.99.5.98", "10.99.0.1", 2303)).as("forged source to the hypervisor")
                .isFalse();
        assertThat(a.udpExchange(hv, "10.99.0.1", 2303)).isTrue();
    }

    // ------------------------------------------------------------------ notrack cannot be abused (B5)

    @Test
    void anUntrackedVmsAddressForgedByAnotherVmIsDroppedBeforeConntrack() {
        onlyControlArrives(a, "eth0", t,
                frame("own address to t udp 5000", tk -> Frames.udp4(t.mac(), aMac(), a.ipv4(), t.ipv4(), 4000, 5000,
                        tk)),
                frame("untracked n's address to t udp 5000", tk -> Frames.udp4(t.mac(), aMac(), n.ipv4(), t.ipv4(),
                        4001, 5000, tk)),
                frame("untracked n's IPv6 address to t udp 5000", tk -> Frames.udp6(t.mac(), aMac(), n.ipv6(),
                        t.ipv6(), 4001, 5000, tk)));
        assertThat(conntrackOf(tb, n.ipv4())).as("no conntrack entry for the forged flow").isEmpty();
        assertThat(conntrackOf(tb, n.ipv6())).isEmpty();
        assertThat(conntrackOf(tb, a.ipv4())).as("the control flow is tracked").isNotEmpty();
    }

    @Test
    void anUntrackedVmsAddressForgedFromTheUplinkStaysTrackedAndTheTrackedVmsRulesDecide() {
        String rmMac = Testbed.REMOTE_MAC;
        // Port 5000 is allowed by t: the forged packet arrives (the uplink cannot be anti-spoofed), but it is tracked.
        Set<Integer> seen = arrivals(remote, "eth0", t,
                frame("n's IPv4 to t udp 5000 (allowed)", tk -> Frames.udp4(t.mac(), rmMac, n.ipv4(), t.ipv4(), 4100,
                        5000, tk)),
                frame("n's IPv4 to t udp 5001 (not allowed)", tk -> Frames.udp4(t.mac(), rmMac, n.ipv4(), t.ipv4(),
                        4100, 5001, tk)),
                frame("n's IPv6 to t udp 5000 (allowed)", tk -> Frames.udp6(t.mac(), rmMac, n.ipv6(), t.ipv6(), 4100,
                        5000, tk)),
                frame("n's IPv6 to t udp 5001 (not allowed)", tk -> Frames.udp6(t.mac(), rmMac, n.ipv6(), t.ipv6(),
                        4100, 5001, tk)));
        assertThat(seen).as("t's own rules decide: 5000 in, 5001 out").containsExactlyInAnyOrder(0, 2);
        assertThat(conntrackOf(tb, n.ipv4())).as("forged untracked source towards a tracked VM is tracked")
                .anyMatch(line -> line.contains("dst=" + t.ipv4() + " ") && line.contains("dport=5000"));
        assertThat(conntrackOf(tb, n.ipv6()))
                .anyMatch(line -> line.contains("dst=" + t.ipv6() + " ") && line.contains("dport=5000"));

        // Towards the hypervisor itself: tracked as well (LOCAL).
        RawLink.send(remote, "eth0", 2, List.of(Frames.udp4(Testbed.BRIDGE_MAC, rmMac, n.ipv4(), "10.99.0.1", 4200,
                5353, Frames.token())));
        assertThat(conntrackOf(tb, n.ipv4())).anyMatch(line -> line.contains("dst=10.99.0.1 "));

        // For contrast, genuine remote <-> untracked n traffic leaves no conntrack entry at all.
        tb.conntrackFlush();
        assertThat(remote.udpExchange(n, n.ipv4(), 5300)).isTrue();
        assertThat(conntrackOf(tb, n.ipv4())).as("the legitimate untracked path").isEmpty();
    }

    @Test
    void theHypervisorsOwnTrafficWithAnUntrackedVmIsAlwaysTracked() {
        // hypervisor -> untracked VM (leaves through OUTPUT, never raw PREROUTING)
        assertThat(hv.ping(n.ipv4())).isTrue();
        assertThat(hv.tcpConnect(n, n.ipv4(), 2201)).isTrue();
        assertThat(hv.udpExchange(n, n.ipv6(), 2202)).isTrue();
        // untracked VM -> hypervisor (raw PREROUTING: the LOCAL checks keep it tracked)
        assertThat(n.tcpConnect(hv, "10.99.0.1", 2203)).isTrue();
        assertThat(n.udpExchange(hv, "fd99::1", 2204)).isTrue();
        List<String> entries = tb.conntrackEntries();
        assertThat(entries).as("hv -> n icmp").anyMatch(l -> l.contains("icmp") && l.contains("src=10.99.0.1 ")
                && l.contains("dst=" + n.ipv4() + " "));
        assertThat(entries).as("hv -> n tcp").anyMatch(l -> l.contains("dport=2201") && l.contains("src=10.99.0.1 "));
        assertThat(entries).as("hv -> n udp6").anyMatch(l -> l.contains("dport=2202") && l.contains("src=fd99::1 "));
        assertThat(entries).as("n -> hv tcp").anyMatch(l -> l.contains("dport=2203")
                && l.contains("src=" + n.ipv4() + " "));
        assertThat(entries).as("n -> hv udp6").anyMatch(l -> l.contains("dport=2204")
                && l.contains("src=" + n.ipv6() + " "));
    }

    // ------------------------------------------------------------------ frame surgery

    /** The frame with a VLAN tag ({@code tpid} 0x8100 or 0x88a8) inserted after the two MAC addresses. */
    private static byte[] tagged(byte[] frame, int tpid, int vid) {
        byte[] tag = {(byte) (tpid >> 8), (byte) tpid, (byte) (vid >> 8), (byte) vid};
        return concat(concat(java.util.Arrays.copyOfRange(frame, 0, 12), tag),
                java.util.Arrays.copyOfRange(frame, 12, frame.length));
    }

    private static byte[] pad(byte[] token) {
        byte[] payload = new byte[46];
        System.arraycopy(token, 0, payload, 0, token.length);
        return payload;
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
