package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Family;
import io.sgagent.model.Nic;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * Anti-spoofing (B3), per NIC. Two layers, both at the earliest hook a frame from the VM passes:
 * <ul>
 *   <li>bridge {@code nat PREROUTING} (ebtables): the Ethernet source MAC, ARP sender MAC/IP pairs, and only
 *       ARP, IPv4 and IPv6 frames at all (a VLAN-tagged or other frame would bypass the IP layer checks);</li>
 *   <li>{@code raw PREROUTING} (iptables/ip6tables): the IP source address, and no DHCP server replies or
 *       router advertisements. The raw table runs before conntrack and before the notrack decision, so a
 *       forged source is dropped before anything trusts it (B5).</li>
 * </ul>
 */
final class AntiSpoofChains {
    private AntiSpoofChains() {
    }

    static Chain ip(Nic nic, Family family) {
        List<Rule> rules = new ArrayList<>();
        if (family == Family.IPV4) {
            rules.add(Rule.of(Matches.udp(67, 0), Action.DROP));
            for (IPAddress address : nic.ownAddresses(family)) {
                rules.add(Rule.of("-s " + address + "/32", Action.RETURN));
            }
            // DHCP discovery before the VM has an address.
            rules.add(Rule.of("-s 0.0.0.0/32 -d 255.255.255.255/32 " + Matches.udp(68, 67), Action.RETURN));
        } else {
            rules.add(Rule.of(Matches.icmp6(134), Action.DROP));
            rules.add(Rule.of(Matches.icmp6(137), Action.DROP));
            rules.add(Rule.of(Matches.udp(547, 0), Action.DROP));
            for (IPAddress address : nic.ownAddresses(family)) {
                rules.add(Rule.of("-s " + address.toCanonicalString() + "/128", Action.RETURN));
            }
            // Duplicate address detection (neighbour solicitation) and the MLDv2 report sent before an address
            // is usable come from ::; nothing else may.
            rules.add(Rule.of("-s ::/128 " + Matches.icmp6(135), Action.RETURN));
            rules.add(Rule.of("-s ::/128 " + Matches.icmp6(143), Action.RETURN));
        }
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.antiSpoof(nic.device()), rules);
    }

    static Chain bridge(Nic nic) {
        List<Rule> rules = new ArrayList<>();
        rules.add(Rule.of("-s ! " + nic.mac(), Action.DROP));
        rules.add(Rule.of("-p ARP --arp-mac-src ! " + nic.mac(), Action.DROP));
        for (IPAddress address : nic.ipv4()) {
            rules.add(Rule.of("-p ARP --arp-ip-src " + address, Action.RETURN));
        }
        // ARP probes (RFC 5227) carry sender address 0.0.0.0.
        rules.add(Rule.of("-p ARP --arp-ip-src 0.0.0.0", Action.RETURN));
        rules.add(Rule.of("-p ARP", Action.DROP));
        rules.add(Rule.of("-p IPv4", Action.RETURN));
        rules.add(Rule.of("-p IPv6", Action.RETURN));
        rules.add(Rule.always(Action.DROP));
        return new Chain(ChainNames.bridgeAntiSpoof(nic.device()), rules);
    }
}
