package io.sgagent.model;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A VM network interface: the host-side device (tap) name, its MAC and its addresses. The first address of
 * each family is the primary, the rest are secondary; all are equally allowed as source and destination.
 */
public record Nic(String device, String mac, List<IPAddress> ipv4, List<IPAddress> ipv6) {
    public static final String DEVICE_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]*";
    public static final int DEVICE_MAX = 15;
    private static final Pattern DEVICE = Pattern.compile(DEVICE_PATTERN);

    /** At most {@link #DEVICE_MAX} characters of {@link #DEVICE_PATTERN} (the pattern compiled once). */
    public static boolean isValidDevice(String device) {
        return device.length() <= DEVICE_MAX && DEVICE.matcher(device).matches();
    }

    public Nic {
        Objects.requireNonNull(device, "device");
        if (!isValidDevice(device)) {
            throw new IllegalArgumentException("device must match " + DEVICE_PATTERN + " and be at most "
                    + DEVICE_MAX + " characters");
        }
        mac = Addresses.mac(mac);
        ipv4 = List.copyOf(ipv4);
        ipv6 = List.copyOf(ipv6);
    }

    public List<IPAddress> addresses(Family family) {
        return family == Family.IPV4 ? ipv4 : ipv6;
    }

    /** The EUI-64 link-local address derived from the MAC, which the VM's kernel uses for NDP. */
    public IPAddress linkLocal() {
        return Addresses.linkLocal(mac);
    }

    /**
     * Every source address this NIC may legitimately use in this family: its addresses and, for IPv6, its
     * link-local address.
     */
    public List<IPAddress> ownAddresses(Family family) {
        List<IPAddress> all = new ArrayList<>(addresses(family));
        if (family == Family.IPV6 && !all.contains(linkLocal())) {
            all.add(linkLocal());
        }
        return all;
    }
}
