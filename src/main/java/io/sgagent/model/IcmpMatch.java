package io.sgagent.model;

/**
 * ICMP (or ICMPv6) type and code; {@code null} means any. A code without a type is meaningless and rejected.
 */
public record IcmpMatch(Integer type, Integer code) {
    public static final IcmpMatch ANY = new IcmpMatch(null, null);

    public IcmpMatch {
        if (type != null && (type < 0 || type > 255)) {
            throw new IllegalArgumentException("icmpType " + type + " is outside 0-255 (-1 = any)");
        }
        if (code != null && (code < 0 || code > 255)) {
            throw new IllegalArgumentException("icmpCode " + code + " is outside 0-255 (-1 = any)");
        }
        if (type == null && code != null) {
            throw new IllegalArgumentException("icmpCode needs an icmpType");
        }
    }

    public boolean isAny() {
        return type == null;
    }
}
