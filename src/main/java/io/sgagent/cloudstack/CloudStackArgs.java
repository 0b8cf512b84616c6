package io.sgagent.cloudstack;

import inet.ipaddr.IPAddress;
import io.sgagent.api.common.DevicePolicy;
import io.sgagent.model.Addresses;
import io.sgagent.model.Family;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.InvalidInputException.Violation;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the script's option values the way CloudStack writes them, collecting a violation (named after the option,
 * e.g. {@code --vmip}) for each one it cannot read. Addresses come back in canonical form. Not thread-safe: one
 * instance per call.
 */
final class CloudStackArgs {
    private final List<Violation> violations = new ArrayList<>();

    List<Violation> violations() {
        return violations;
    }

    void add(String option, String message) {
        violations.add(new Violation(option, message));
    }

    /** Throws the 400 naming every option that could not be read; returns when all could. */
    void throwIfInvalid() {
        if (!violations.isEmpty()) {
            throw new InvalidInputException(violations);
        }
    }

    /** {@code vif} when the device pattern allows it as a VM port (not the host's bridge, uplink or lo). */
    String vmPort(String vif, DevicePolicy devices) {
        String problem = vif == null ? null : devices.nameProblem(vif);
        if (problem != null) {
            add("--vif", problem);
            return null;
        }
        return vif;
    }

    /**
     * A routed (L3) NIC is not a bridge port, so sg-agent's physdev rules would never see its packets: refusing it
     * keeps such a VM from running unfiltered behind a success. The option itself is accepted by every command.
     */
    void refuseDirectRouted(boolean directRouted) {
        if (directRouted) {
            add("--directrouted", "direct-routed (L3) NICs are not supported: sg-agent filters bridge ports");
        }
    }

    String name(String value) {
        if (value == null || value.isEmpty()) {
            add("--vmname", "is required");
            return null;
        }
        if (!Vm.isValidName(value)) {
            add("--vmname", "must match " + Vm.NAME_PATTERN + " and be at most " + Vm.NAME_MAX + " characters");
            return null;
        }
        return value;
    }

    /** CloudStack's numeric VM id ({@code --vmid}). */
    long vmId(String value) {
        return number("--vmid", value, true, 0);
    }

    long number(String option, String value, boolean required, long absent) {
        if (value == null || value.isEmpty()) {
            if (required) {
                add(option, "is required");
            }
            return absent;
        }
        if (!value.matches("-?[0-9]{1,18}")) {
            add(option, "'" + RuleStringParser.abbreviate(value) + "' is not a number");
            return absent;
        }
        return Long.parseLong(value);
    }

    String required(String option, String value) {
        if (value == null || value.isEmpty()) {
            add(option, "is required");
            return null;
        }
        return value;
    }

    String vif(String value, boolean required) {
        if (value == null || value.isEmpty()) {
            if (required) {
                add("--vif", "is required");
            }
            return null;
        }
        if (!Nic.isValidDevice(value)) {
            add("--vif", "must match " + Nic.DEVICE_PATTERN + " and be at most " + Nic.DEVICE_MAX + " characters");
            return null;
        }
        return value;
    }

    String mac(String value, boolean required) {
        if (value == null || value.isEmpty()) {
            if (required) {
                add("--vmmac", "is required");
            }
            return null;
        }
        try {
            return Addresses.mac(value);
        } catch (IllegalArgumentException e) {
            add("--vmmac", e.getMessage());
            return null;
        }
    }

    /**
     * One address of either family, canonical; null when absent. CloudStack's agent writes a missing address as
     * nothing, an empty string or the text {@code null} (a null Java string appended to the command line).
     */
    String address(String option, String value) {
        if (value == null || value.isEmpty() || value.equals("null")) {
            return null;
        }
        return canonical(option, value);
    }

    /** An address of this family (CloudStack's {@code --vmip6} is always IPv6), canonical; null when absent. */
    String address(String option, String value, Family family) {
        String address = address(option, value);
        if (address != null && !familyOf(address).equals(family)) {
            add(option, "'" + value + "' is not an " + (family == Family.IPV4 ? "IPv4" : "IPv6") + " address");
            return null;
        }
        return address;
    }

    /** {@code --nicsecips}: {@code ip1;ip2;}, or {@code 0;} / nothing for none. A single address needs no ';'. */
    List<String> secondaryIps(String value) {
        Set<String> ips = new LinkedHashSet<>();
        if (value == null) {
            return List.of();
        }
        for (String part : value.split(";", -1)) {
            if (part.isEmpty() || part.equals("0")) {
                continue;
            }
            String address = canonical("--nicsecips", part);
            if (address != null) {
                ips.add(address);
            }
        }
        return List.copyOf(ips);
    }

    /** libvirt's domain id as the client read it; anything else is "-1" (unknown), as it only labels the tuple. */
    static String domId(String value) {
        return value != null && value.matches("-?[0-9]{1,10}") ? value : "-1";
    }

    private String canonical(String option, String value) {
        try {
            IPAddress address = Addresses.host(value, value.indexOf(':') >= 0 ? Family.IPV6 : Family.IPV4);
            return address.toCanonicalString();
        } catch (IllegalArgumentException e) {
            add(option, e.getMessage());
            return null;
        }
    }

    static Family familyOf(String canonicalAddress) {
        return canonicalAddress.indexOf(':') >= 0 ? Family.IPV6 : Family.IPV4;
    }
}
