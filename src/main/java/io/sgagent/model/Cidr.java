package io.sgagent.model;

import inet.ipaddr.IPAddress;

/** A network in canonical form (prefix block). Build with {@link Addresses#cidr(String)}. */
public record Cidr(IPAddress block) implements Comparable<Cidr> {
    public Cidr {
        if (block == null || block.getNetworkPrefixLength() == null || !block.isPrefixBlock()) {
            throw new IllegalArgumentException("not a prefix block: " + block);
        }
    }

    public static Cidr parse(String text) {
        return Addresses.cidr(text);
    }

    public Family family() {
        return Addresses.familyOf(block);
    }

    public int prefixLength() {
        return block.getNetworkPrefixLength();
    }

    /** True for 0.0.0.0/0 and ::/0. */
    public boolean isAny() {
        return prefixLength() == 0;
    }

    public boolean contains(IPAddress address) {
        return Addresses.familyOf(address) == family() && block.contains(address);
    }

    /** Canonical text with prefix, e.g. "10.0.0.0/8", "2001:db8::/32", "10.1.1.7/32". */
    @Override
    public String toString() {
        return block.toCanonicalString();
    }

    @Override
    public int compareTo(Cidr other) {
        return block.compareTo(other.block);
    }
}
