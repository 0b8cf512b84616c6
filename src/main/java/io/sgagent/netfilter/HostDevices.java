package io.sgagent.netfilter;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads what a network device of the managed namespace is ({@code ip -j -d link show dev <name>}), so that a
 * request cannot name the host's bridge, uplink or loopback as a VM port: filtering on such a device would cut
 * the host off. Read-only; stateless and thread-safe (each call is one process through the {@link ProcessRunner}).
 */
public final class HostDevices {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ProcessRunner runner;

    public HostDevices(ProcessRunner runner) {
        this.runner = runner;
    }

    /**
     * One existing link: {@code kind} is the rtnetlink kind ({@code tun} for a tap, {@code veth}, {@code bridge},
     * {@code vlan}, {@code bond}, ...; empty for a physical NIC), {@code master} the device it is enslaved to and
     * {@code masterKind} that master's kind ({@code bridge} for a bridge port), both empty when none.
     */
    public record Link(String name, String kind, boolean loopback, String master, String masterKind) {
        /** A tap (tun in tap mode) or a veth: the host end of a VM's NIC. Anything else is host plumbing. */
        public boolean isVmPortKind() {
            return !loopback && (kind.equals("tun") || kind.equals("veth"));
        }
    }

    /** What {@link #find} learned: the device is absent, is this link, or could not be read (why). */
    public sealed interface Lookup {
        record Absent() implements Lookup {
        }

        record Found(Link link) implements Lookup {
        }

        record Unreadable(String reason) implements Lookup {
        }
    }

    public Lookup find(String device) {
        ProcessResult result = runner.run(List.of("ip", "-j", "-d", "link", "show", "dev", device), null);
        if (!result.ok()) {
            // iproute2 says 'Device "x" does not exist.' and exits 1 for a missing device.
            return result.stderr().contains("does not exist") ? new Lookup.Absent()
                    : new Lookup.Unreadable(result.describe());
        }
        try {
            return parse(device, result.stdout());
        } catch (RuntimeException e) {
            return new Lookup.Unreadable("cannot read the output of ip link: " + e.getMessage());
        }
    }

    /**
     * Every link of the namespace by name, in one process (for a full host state: one call instead of one per NIC),
     * or null when it cannot be read.
     */
    public java.util.Map<String, Link> all() {
        ProcessResult result = runner.run(List.of("ip", "-j", "-d", "link", "show"), null);
        if (!result.ok()) {
            return null;
        }
        try {
            java.util.Map<String, Link> links = new java.util.HashMap<>();
            for (JsonNode link : JSON.readTree(result.stdout())) {
                String name = link.path("ifname").asString("");
                if (!name.isEmpty()) {
                    links.put(name, link(link, name));
                }
            }
            return links;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Lookup parse(String device, String json) {
        JsonNode links = JSON.readTree(json);
        if (!links.isArray() || links.isEmpty()) {
            return new Lookup.Absent();
        }
        return new Lookup.Found(link(links.get(0), device));
    }

    private static Link link(JsonNode link, String device) {
        boolean loopback = "loopback".equals(link.path("link_type").asString(""));
        for (JsonNode flag : link.path("flags")) {
            loopback |= "LOOPBACK".equals(flag.asString(""));
        }
        JsonNode info = link.path("linkinfo");
        return new Link(link.path("ifname").asString(device), info.path("info_kind").asString(""),
                loopback, link.path("master").asString(""), info.path("info_slave_kind").asString(""));
    }
}
