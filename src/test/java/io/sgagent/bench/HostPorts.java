package io.sgagent.bench;

import io.sgagent.testbed.Testbed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The VM ports of a benchmark hypervisor: {@code vnet<i>} veth ends attached to the bridge, as libvirt's tap ports
 * are. Like a real hypervisor's ports they keep their IPv6 link-local address: iptables' port parsing dumps every
 * interface address (getaddrinfo with AI_ADDRCONFIG, see docs/benchmarks.md), so ports without addresses would
 * hide that cost. The peer ends ({@code pv<i>}) stay in the same namespace without addresses (no VM behind them).
 * One {@code ip -batch} creates them all: about a second for 1000 pairs.
 */
final class HostPorts {
    private HostPorts() {
    }

    /**
     * Creates ports 1..n except {@code skip} (VMs with a real namespace behind them) in {@code netns}; creates the
     * bridge first when {@code withBridge}. Returns the seconds it took.
     */
    static double create(String netns, int n, Set<Integer> skip, boolean withBridge, Path work) throws IOException {
        StringBuilder batch = new StringBuilder();
        if (withBridge) {
            batch.append("link add ").append(Testbed.BRIDGE).append(" type bridge stp_state 0\n")
                    .append("link set dev ").append(Testbed.BRIDGE).append(" up\n");
        }
        StringBuilder up = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            if (skip.contains(i)) {
                continue;
            }
            String dev = BenchHost.device(i);
            batch.append("link add ").append(dev).append(" type veth peer name pv").append(i).append('\n');
            up.append("link set dev pv").append(i).append(" addrgenmode none\n")
                    .append("link set dev ").append(dev).append(" master ").append(Testbed.BRIDGE).append('\n')
                    .append("link set dev ").append(dev).append(" up\n")
                    .append("link set dev pv").append(i).append(" up\n");
        }
        Path file = work.resolve("links-" + netns + ".batch");
        Files.writeString(file, batch.toString() + up);
        // No duplicate address detection: the link-local addresses are usable at once, as on a long-running host.
        Sh.inNs(netns, "python3", "-c", Py.SYSCTL, "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0").orThrow();
        long t = System.nanoTime();
        Sh.run(List.of("ip", "-n", netns, "-batch", file.toString()), null, 300).orThrow();
        return (System.nanoTime() - t) / 1e9;
    }

    /** Number of IPv6 link-local addresses in the namespace: what each port lookup of iptables dumps. */
    static long linkLocalAddresses(String netns) {
        return Sh.run(List.of("ip", "-n", netns, "-6", "-o", "addr", "show", "scope", "link")).out().lines().count();
    }
}
