package io.sgagent.testbed;

import java.util.List;
import java.util.Locale;

/**
 * One network interface of a {@link Vm} (or of the remote / hypervisor handle).
 *
 * @param inner      interface name inside the namespace ({@code eth0}, {@code eth1}; {@code br0} for the hypervisor)
 * @param hostDevice name of the veth end on the hypervisor bridge ({@code vnet3}, {@code uplink0}); {@code null} for
 *                   the hypervisor handle itself
 * @param mac        MAC address of {@code inner}, lower case
 * @param ipv4       IPv4 addresses without prefix length
 * @param ipv6       global IPv6 addresses without prefix length (the link-local one is {@link #linkLocal()})
 */
public record Nic(String inner, String hostDevice, String mac, List<String> ipv4, List<String> ipv6) {

    public Nic {
        mac = mac.toLowerCase(Locale.ROOT);
        ipv4 = List.copyOf(ipv4);
        ipv6 = List.copyOf(ipv6);
    }

    /** The EUI-64 link-local address derived from {@link #mac()}, e.g. {@code fe80::99:ff:fe00:fffe} (no scope). */
    public String linkLocal() {
        return Addr.eui64LinkLocal(mac);
    }

    /**
     * The link-local address qualified with the scope a <em>sender</em> must use, e.g.
     * {@code linkLocalVia("eth0")} = {@code fe80::...%eth0}.
     */
    public String linkLocalVia(String senderInterface) {
        return linkLocal() + "%" + senderInterface;
    }
}
