package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Family;
import io.sgagent.model.Nic;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Match.PortSpan;
import io.sgagent.ruleset.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * Anti-spoofing (B3), per NIC. Two layers, both at the earliest hook a frame from the VM passes:
 * <ul>
 *   <li>bridge {@code nat PREROUTING} (ebtables): the Ethernet source MAC, ARP sender MAC/IP pairs, and only
 *       ARP, IPv4 and IPv6 frames at all (a VLAN-tagged or other frame would bypass the IP layer checks);</li>
 *   <li>{@code raw PREROUTING} (iptables/ip6tables): the IP source address, the target of neighbour
 *       advertisements and of duplicate-address-detection solicitations, and no DHCP server replies or
 *       router advertisements. The raw table runs before conntrack and before the notrack decision, so a
 *       forged packet is dropped before anything trusts it (B5).</li>
 * </ul>
 * Unconditional final DROPs carry no comment: the drop counters read them as a bare {@code -j DROP}. Bridge
 * rules carry none at all (ebtables-nft has no comment match).
 */
final class AntiSpoofChains {
    private static final int ROUTER_ADVERT = 134;
    private static final int NEIGHBOUR_SOLICIT = 135;
    private static final int NEIGHBOUR_ADVERT = 136;
    private static final int REDIRECT = 137;
    private static final int MLDV2_REPORT = 143;
    private static final int ICMPV6 = 58;

    private AntiSpoofChains() {
    }

    static Chain ip(Nic nic, Family family) {
        List<Rule> rules = new ArrayList<>();
        if (family == Family.IPV4) {
            rules.add(new Rule(udp(67, 0), Action.DROP, "anti-spoof no-dhcp-server"));
            for (IPAddress address : nic.ownAddresses(family)) {
                rules.add(new Rule(List.of(new Match.Source(address + "/32")), Action.RETURN,
                        "anti-spoof ipv4 source"));
            }
            // DHCP discovery before the VM has an address.
            List<Match> discover = new ArrayList<>(List.of(new Match.Source("0.0.0.0/32"),
                    new Match.Destination("255.255.255.255/32")));
            discover.addAll(udp(68, 67));
            rules.add(new Rule(discover, Action.RETURN, "anti-spoof dhcp-discover"));
        } else {
            rules.add(new Rule(icmp6(ROUTER_ADVERT), Action.DROP, "anti-spoof no-router-advert"));
            rules.add(new Rule(icmp6(REDIRECT), Action.DROP, "anti-spoof no-redirect"));
            rules.add(new Rule(udp(547, 0), Action.DROP, "anti-spoof no-dhcpv6-server"));
            // A neighbour advertisement may only announce the NIC's own addresses: the target check returns
            // here for those and drops the rest, before the source check below would let it pass.
            rules.add(new Rule(icmp6(NEIGHBOUR_ADVERT), new Action.Jump(ChainNames.ndTarget(nic.device())),
                    "anti-spoof nd-advert target"));
            for (IPAddress address : nic.ownAddresses(family)) {
                rules.add(new Rule(List.of(new Match.Source(address.toCanonicalString() + "/128")), Action.RETURN,
                        "anti-spoof ipv6 source"));
            }
            // Duplicate address detection (neighbour solicitation) and the MLDv2 report sent before an address
            // is usable come from ::; nothing else may. DAD probes only the NIC's own addresses: goto the
            // target check, whose RETURN ends the anti-spoofing check.
            List<Match> dad = new ArrayList<>(List.of(new Match.Source("::/128")));
            dad.addAll(icmp6(NEIGHBOUR_SOLICIT));
            rules.add(new Rule(dad, new Action.Goto(ChainNames.ndTarget(nic.device())), "anti-spoof dad target"));
            List<Match> mld = new ArrayList<>(List.of(new Match.Source("::/128")));
            mld.addAll(icmp6(MLDV2_REPORT));
            rules.add(new Rule(mld, Action.RETURN, "anti-spoof mldv2-unspecified"));
        }
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.antiSpoof(nic.device()), rules);
    }

    /**
     * The target check of neighbour advertisements and DAD solicitations of one NIC (IPv6 raw table): RETURN if
     * the target is one of the NIC's own addresses (its link-local included), DROP otherwise. ip6tables has no
     * ND match, so the target is read with u32 at its fixed offset, which only holds without extension
     * headers; ND never needs them (RFC 6980 forbids fragments), so a message carrying any is dropped.
     */
    static Chain ndTarget(Nic nic) {
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule(List.of(new Match.NotNextHeader(ICMPV6)), Action.DROP, "anti-spoof nd extension-header"));
        for (IPAddress address : nic.ownAddresses(Family.IPV6)) {
            rules.add(new Rule(List.of(new Match.NdTarget(address.toCanonicalString())), Action.RETURN,
                    "anti-spoof nd own-target"));
        }
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.ndTarget(nic.device()), rules);
    }

    static Chain bridge(Nic nic) {
        List<Rule> rules = new ArrayList<>();
        Match arp = new Match.EtherType("ARP");
        rules.add(Rule.of(new Match.MacSourceNot(nic.mac()), Action.DROP));
        rules.add(Rule.of(List.of(arp, new Match.ArpMacSourceNot(nic.mac())), Action.DROP));
        for (IPAddress address : nic.ipv4()) {
            rules.add(Rule.of(List.of(arp, new Match.ArpIpSource(address.toString())), Action.RETURN));
        }
        // ARP probes (RFC 5227) carry sender address 0.0.0.0.
        rules.add(Rule.of(List.of(arp, new Match.ArpIpSource("0.0.0.0")), Action.RETURN));
        rules.add(Rule.of(arp, Action.DROP));
        rules.add(Rule.of(new Match.EtherType("IPv4"), Action.RETURN));
        rules.add(Rule.of(new Match.EtherType("IPv6"), Action.RETURN));
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.bridgeAntiSpoof(nic.device()), rules);
    }

    static List<Match> udp(int sport, int dport) {
        return List.of(Match.Protocol.UDP, new Match.Ports("udp", sport > 0 ? PortSpan.of(sport) : null,
                dport > 0 ? PortSpan.of(dport) : null));
    }

    static List<Match> icmp6(int type) {
        return List.of(Match.Protocol.ICMPV6, new Match.IcmpType(true, type, null));
    }
}
