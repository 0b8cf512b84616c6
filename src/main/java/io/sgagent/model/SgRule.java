package io.sgagent.model;

import java.util.List;
import java.util.Objects;

/**
 * One allow rule of a security group. {@code ports} is set only for tcp/udp ({@link PortRange#ALL} when the
 * request gave none); {@code icmp} only for icmp ({@link IcmpMatch#ANY} when none). CIDRs may mix families:
 * the compiler emits the rule into each family's chain with that family's CIDRs.
 */
public record SgRule(Protocol protocol, PortRange ports, IcmpMatch icmp, List<Cidr> cidrs) {
    public SgRule {
        Objects.requireNonNull(protocol, "protocol");
        cidrs = List.copyOf(cidrs);
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("a rule needs at least one CIDR");
        }
        if (protocol.hasPorts()) {
            ports = ports == null ? PortRange.ALL : ports;
        } else if (ports != null) {
            throw new IllegalArgumentException("ports are only allowed for tcp and udp rules");
        }
        if (protocol.isIcmp()) {
            icmp = icmp == null ? IcmpMatch.ANY : icmp;
        } else if (icmp != null && !icmp.isAny()) {
            throw new IllegalArgumentException("icmpType/icmpCode are only allowed for icmp rules");
        } else {
            icmp = null;
        }
    }

    public List<Cidr> cidrs(Family family) {
        return cidrs.stream().filter(c -> c.family() == family).toList();
    }

    public boolean hasFamily(Family family) {
        return cidrs.stream().anyMatch(c -> c.family() == family);
    }

    /** An {@code all}-protocol rule from/to everywhere of this family. */
    public boolean isAllowAll(Family family) {
        return protocol.isAll() && cidrs.stream().anyMatch(c -> c.family() == family && c.isAny());
    }
}
