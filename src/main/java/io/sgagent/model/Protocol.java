package io.sgagent.model;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The protocol of an allow rule: {@code tcp}, {@code udp}, {@code icmp} (ICMPv6 for IPv6 CIDRs), {@code all},
 * or an IP protocol number 1-255. Numbers 1, 6 and 17 are normalised to {@code icmp}, {@code tcp} and
 * {@code udp} so that the same rule has one representation. Number 0 is rejected: iptables reads {@code -p 0}
 * as "every protocol", so accepting it would silently widen a rule to allow-all.
 */
public record Protocol(String name, int number) {
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,3}");
    public static final Protocol TCP = new Protocol("tcp", 6);
    public static final Protocol UDP = new Protocol("udp", 17);
    public static final Protocol ICMP = new Protocol("icmp", 1);
    public static final Protocol ALL = new Protocol("all", -1);

    public static Protocol parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("protocol is required: tcp, udp, icmp, all or a number 1-255");
        }
        String value = raw.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "tcp": return TCP;
            case "udp": return UDP;
            case "icmp": return ICMP;
            case "all": return ALL;
            default: break;
        }
        if (!NUMBER.matcher(value).matches()) {
            throw new IllegalArgumentException("unknown protocol '" + abbreviate(raw)
                    + "': use tcp, udp, icmp, all or an IP protocol number 1-255");
        }
        int number = Integer.parseInt(value);
        if (number > 255) {
            throw new IllegalArgumentException("protocol number " + number + " is outside 1-255");
        }
        if (number == 0) {
            throw new IllegalArgumentException(
                    "protocol number 0 cannot be matched (iptables reads it as 'all'); use \"all\" if that is meant");
        }
        return switch (number) {
            case 6 -> TCP;
            case 17 -> UDP;
            case 1 -> ICMP;
            default -> new Protocol(Integer.toString(number), number);
        };
    }

    public boolean hasPorts() {
        return this.equals(TCP) || this.equals(UDP);
    }

    public boolean isIcmp() {
        return this.equals(ICMP);
    }

    public boolean isAll() {
        return this.equals(ALL);
    }

    @Override
    public String toString() {
        return name;
    }

    static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
