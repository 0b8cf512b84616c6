package io.sgagent.compiler;

import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.PortRange;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Match.PortSpan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a VM allows, per family and direction, as a list of {@link Allow}s in rule order: the infrastructure
 * exceptions of B1/B2 first, then one entry per CIDR of each security-group rule. {@link FilterChains}
 * compiles exactly these into the VM's chains and {@link FlowPolicy} judges existing flows by them.
 */
final class VmPolicy {
    /** ICMPv6 a VM always sends: router solicitation, neighbour discovery, MLD (query, v1 report/done, v2). */
    private static final int[] EGRESS_ICMPV6 = {133, 135, 136, 130, 131, 132, 143};
    private static final String[] EGRESS_ICMPV6_ORIGIN = {"router-solicit", "nd-solicit", "nd-advert",
        "mld-query", "mld-report", "mld-done", "mldv2-report"};

    /**
     * Origins of the infrastructure allows a conntrack quota (issue 12) does not count: DHCP, router and
     * neighbour discovery, MLD. A VM cannot open flows to arbitrary peers with them, and refusing them would
     * cut the VM off its own network. DNS is counted: a VM can open DNS flows to any address.
     */
    private static final Set<String> NOT_COUNTED = Stream.concat(
            Stream.of("dhcp-server-reply", "dhcpv6-server-reply", "router-advert", "nd-solicit", "nd-advert",
                    "dhcp-client", "dhcpv6-client"),
            Arrays.stream(EGRESS_ICMPV6_ORIGIN)).collect(Collectors.toUnmodifiableSet());

    private VmPolicy() {
    }

    /** True if a packet this allow admits counts against the VM's conntrack quota, if it has one. */
    static boolean countsAgainstQuota(Allow allow) {
        return !NOT_COUNTED.contains(allow.origin());
    }

    /** Traffic towards the VM that is accepted without being a reply (B1). */
    static List<Allow> ingress(Vm vm, Family family) {
        List<Allow> allows = new ArrayList<>();
        if (family == Family.IPV4) {
            allows.add(Allow.udp("dhcp-server-reply", 67, 68));
        } else {
            allows.add(Allow.udp("dhcpv6-server-reply", 547, 546));
            // Router advertisements only from a link-local router and never forwarded by one (hop limit 255).
            allows.add(Allow.icmp("router-advert", 134).from("fe80::/64").hopLimit(255));
            allows.add(Allow.icmp("nd-solicit", 135));
            allows.add(Allow.icmp("nd-advert", 136));
        }
        allows.addAll(sgRules(vm, family, vm.ingress(), "ingress"));
        return allows;
    }

    /**
     * Traffic from the VM that its egress allows (B2). When egress of the family is open the list ends with an
     * allow of everything.
     */
    static List<Allow> egress(Vm vm, Family family) {
        List<Allow> allows = new ArrayList<>();
        if (family == Family.IPV4) {
            allows.add(Allow.udp("dhcp-client", 68, 67));
        } else {
            allows.add(Allow.udp("dhcpv6-client", 546, 547));
        }
        allows.add(Allow.udp("dns-udp", 0, 53));
        allows.add(Allow.tcp("dns-tcp", 53));
        if (family == Family.IPV6) {
            for (int i = 0; i < EGRESS_ICMPV6.length; i++) {
                allows.add(Allow.icmp(EGRESS_ICMPV6_ORIGIN[i], EGRESS_ICMPV6[i]));
            }
        }
        if (NotrackPolicy.egressOpen(vm, family)) {
            allows.add(Allow.everything("egress-open"));
        } else {
            allows.addAll(sgRules(vm, family, vm.egress(), "egress"));
        }
        return allows;
    }

    private static List<Allow> sgRules(Vm vm, Family family, List<SgRule> rules, String direction) {
        List<Allow> allows = new ArrayList<>();
        for (int index = 0; index < rules.size(); index++) {
            SgRule rule = rules.get(index);
            String origin = vm.name() + " " + direction + "[" + index + "]";
            PortSpan dport = null;
            if (rule.protocol().hasPorts() && !rule.ports().isAll()) {
                PortRange ports = rule.ports();
                dport = new PortSpan(ports.start(), ports.end());
            }
            for (Cidr cidr : rule.cidrs(family)) {
                allows.add(new Allow(origin, cidr, rule.protocol(), null, dport, rule.icmp(), null));
            }
        }
        return allows;
    }
}
