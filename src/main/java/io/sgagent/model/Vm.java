package io.sgagent.model;

import inet.ipaddr.IPAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The desired security-group state of one VM. Immutable; equality is content equality, which is what the
 * "same seq, same content" rule of B10 compares ({@code seq} itself excluded, see {@link #sameContent}).
 */
public record Vm(String name, Long vmId, long seq, List<Nic> nics, List<SgRule> ingress, List<SgRule> egress,
                 Integer conntrackLimit) {
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]*";
    public static final int NAME_MAX = 64;
    /**
     * Largest per-VM conntrack quota (issue 12). Far above any real table (nf_conntrack_max defaults to a few
     * hundred thousand), so a larger value can only be a mistake.
     */
    public static final int CONNTRACK_LIMIT_MAX = 10_000_000;

    /** Compiled once: String.matches compiles its pattern on every call, and every VM of a host sync is checked. */
    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    /** At most {@link #NAME_MAX} characters of {@link #NAME_PATTERN}. */
    public static boolean isValidName(String name) {
        return name.length() <= NAME_MAX && NAME.matcher(name).matches();
    }

    /** A VM without its own conntrack quota: the host default ({@code sgagent.conntrack.vm-limit}) applies. */
    public Vm(String name, Long vmId, long seq, List<Nic> nics, List<SgRule> ingress, List<SgRule> egress) {
        this(name, vmId, seq, nics, ingress, egress, null);
    }

    public Vm {
        Objects.requireNonNull(name, "name");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("name must match " + NAME_PATTERN + " and be at most " + NAME_MAX
                    + " characters");
        }
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0");
        }
        // null: the host default applies; 0: no quota; n: at most n tracked connections per family.
        if (conntrackLimit != null && (conntrackLimit < 0 || conntrackLimit > CONNTRACK_LIMIT_MAX)) {
            throw new IllegalArgumentException("conntrackLimit must be between 0 and " + CONNTRACK_LIMIT_MAX);
        }
        nics = List.copyOf(nics);
        ingress = List.copyOf(ingress);
        egress = List.copyOf(egress);
        if (nics.isEmpty()) {
            throw new IllegalArgumentException("a VM needs at least one NIC");
        }
        Set<String> devices = new HashSet<>();
        Set<String> macs = new HashSet<>();
        Set<IPAddress> addresses = new HashSet<>();
        for (Nic nic : nics) {
            if (!devices.add(nic.device())) {
                throw new IllegalArgumentException("device " + nic.device() + " appears twice");
            }
            // Two ports with one MAC on a bridge make its forwarding table flap between them.
            if (!macs.add(nic.mac())) {
                throw new IllegalArgumentException("mac " + nic.mac() + " appears twice");
            }
            for (Family family : Family.values()) {
                for (IPAddress address : nic.addresses(family)) {
                    if (!addresses.add(address)) {
                        throw new IllegalArgumentException("address " + address + " appears twice");
                    }
                }
            }
        }
    }

    /** All addresses of this family over all NICs (IPv6 includes each NIC's link-local address). */
    public List<IPAddress> ownAddresses(Family family) {
        return nics.stream().flatMap(n -> n.ownAddresses(family).stream()).distinct().toList();
    }

    /** Content equality ignoring seq. */
    public boolean sameContent(Vm other) {
        return other != null && name.equals(other.name) && Objects.equals(vmId, other.vmId)
                && nics.equals(other.nics) && ingress.equals(other.ingress) && egress.equals(other.egress)
                && Objects.equals(conntrackLimit, other.conntrackLimit);
    }

    public Vm withSeq(long newSeq) {
        return new Vm(name, vmId, newSeq, nics, ingress, egress, conntrackLimit);
    }
}
