package io.sgagent.model;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.MACAddressString;
import inet.ipaddr.MACAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import inet.ipaddr.mac.MACAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Every address, CIDR and MAC the agent accepts is parsed here, with the IPAddress library in a strict mode:
 * only the textual forms iptables itself would print (dotted quad, RFC 5952 style IPv6, colon-separated MAC).
 * Forms the kernel tools would read differently (inet_aton "10.1", leading zeros read as octal, ranges,
 * wildcards, IPv6 zones, masks) are rejected rather than guessed at.
 */
public final class Addresses {
    /** Colon form, six two-digit groups; compiled once (every NIC of a host sync is checked). */
    private static final Pattern MAC_TEXT = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");
    private static final IPAddressStringParameters STRICT = new IPAddressStringParameters.Builder()
            .allowEmpty(false).allowAll(false).allowSingleSegment(false).allowMask(false).allowPrefixOnly(false)
            .allowWildcardedSeparator(false).setRangeOptions(RangeParameters.NO_RANGE)
            .getIPv4AddressParametersBuilder()
            .allow_inet_aton(false).allowLeadingZeros(false).allowBinary(false)
            .getParentBuilder()
            .getIPv6AddressParametersBuilder()
            .allowZone(false).allowBinary(false).allowPrefixesBeyondAddressSize(false)
            .getParentBuilder()
            .toParams();

    private static final MACAddressStringParameters MAC = new MACAddressStringParameters.Builder()
            .allowEmpty(false).allowAll(false).allowSingleSegment(false).allowWildcardedSeparator(false)
            .setRangeOptions(RangeParameters.NO_RANGE)
            .toParams();

    /**
     * Canonical CIDRs by canonical text. Security groups repeat the same CIDRs on every VM that uses them, and the
     * desired state of a 1000-VM host holds tens of thousands of them: sharing one immutable {@link Cidr} per
     * distinct network keeps that state small. Cleared when it grows past {@link #INTERNED_MAX} (an unusual host
     * with that many distinct networks just stops sharing until the map refills).
     */
    private static final Map<String, Cidr> INTERNED = new ConcurrentHashMap<>();
    private static final int INTERNED_MAX = 65_536;

    private Addresses() {
    }

    /** A single host address of the given family, without prefix length. Returned in canonical form. */
    public static IPAddress host(String text, Family family) {
        IPAddress address = parse(text);
        if (address.getNetworkPrefixLength() != null) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is a network; a single address is expected");
        }
        if (familyOf(address) != family) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is not an " + label(family) + " address");
        }
        if (address.isMulticast() || address.isUnspecified() || address.isLoopback()
                || (family == Family.IPV4 && address.toCanonicalString().equals("255.255.255.255"))) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' cannot be a VM address");
        }
        return compact(address);
    }

    /**
     * A CIDR of either family. A bare address means a single host (/32 or /128). A CIDR with host bits set
     * ("10.1.1.7/24") is rejected, not normalised: it usually means the caller confused a host and a network,
     * and silently widening or narrowing a firewall rule is worse than a 400.
     */
    public static Cidr cidr(String text) {
        // Fast path: text that is already the canonical form of a network seen before parsed to exactly that
        // network, so it is that network (a 1000-VM host state repeats each group's CIDRs on every VM).
        Cidr seen = text == null ? null : INTERNED.get(text);
        if (seen != null) {
            return seen;
        }
        IPAddress address = parse(text);
        Integer prefix = address.getNetworkPrefixLength();
        if (prefix == null) {
            address = address.setPrefixLength(address.getBitCount(), false);
        } else if (!address.isPrefixBlock()) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' has host bits set; did you mean "
                    + address.toPrefixBlock().toCanonicalString() + "?");
        }
        IPAddress block = address.toPrefixBlock();
        String key = block.toCanonicalString();
        Cidr known = INTERNED.get(key);
        if (known != null) {
            return known;
        }
        if (INTERNED.size() >= INTERNED_MAX) {
            INTERNED.clear();
        }
        Cidr cidr = new Cidr(compact(block));
        Cidr raced = INTERNED.putIfAbsent(key, cidr);
        return raced != null ? raced : cidr;
    }

    /**
     * The same address or block, rebuilt from its bits. An IPAddress parsed from text keeps that text's parse
     * state for its whole life (IPAddressString, ParsedIPAddress and its int[] segment data: ~1.1 KB per address,
     * measured); the rebuilt one holds only its segments (~0.4 KB).
     */
    static IPAddress compact(IPAddress address) {
        Integer prefix = address.getNetworkPrefixLength();
        IPAddress copy = address.isIPv4() ? new IPv4Address(address.getBytes(), prefix)
                : new IPv6Address(address.getBytes(), prefix);
        return prefix == null ? copy : copy.toPrefixBlock();
    }

    /** A unicast MAC address in colon form, returned lower-case ("02:00:00:00:00:07"). */
    public static String mac(String text) {
        if (text == null || !MAC_TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + abbreviate(String.valueOf(text))
                    + "' is not a MAC address like 02:00:00:00:00:07");
        }
        MACAddress mac = new MACAddressString(text, MAC).getAddress();
        if (mac == null || mac.isMulticast() || mac.isZero()) {
            throw new IllegalArgumentException("'" + text + "' is not a unicast MAC address");
        }
        return mac.toColonDelimitedString().toLowerCase(java.util.Locale.ROOT);
    }

    /** The EUI-64 link-local IPv6 address the kernel derives from this MAC (addr_gen_mode eui64). */
    public static IPAddress linkLocal(String mac) {
        return new MACAddressString(mac, MAC).getAddress().toLinkLocalIPv6().withoutPrefixLength();
    }

    public static Family familyOf(IPAddress address) {
        return address.isIPv4() ? Family.IPV4 : Family.IPV6;
    }

    private static IPAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an address is required");
        }
        if (text.length() > 64) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is not an IP address or CIDR");
        }
        try {
            IPAddress address = new IPAddressString(text.trim(), STRICT).toAddress();
            if (address.isIPv6() && address.toIPv6().isIPv4Mapped()) {
                throw new IllegalArgumentException("'" + text + "' is an IPv4-mapped IPv6 address; write the IPv4 form");
            }
            return address;
        } catch (AddressStringException e) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' is not an IP address or CIDR");
        }
    }

    private static String label(Family family) {
        return family == Family.IPV4 ? "IPv4" : "IPv6";
    }

    private static String abbreviate(String s) {
        return Protocol.abbreviate(s);
    }
}
