package io.sgagent.netfilter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox hypervisor: a network namespace with a Linux bridge, an uplink peer ("remote") and two demo VMs,
 * each VM a namespace joined to the bridge by a veth pair whose host end is named like a tap device. Created at
 * start (after removing leftovers of an earlier run) and removed at shutdown, so a trial run of the agent
 * programs it instead of the host's own firewall.
 *
 * <p>Thread-safe: create and remove are called once each, from Spring's lifecycle thread.
 */
public class SandboxNamespace {
    private static final Logger log = LoggerFactory.getLogger(SandboxNamespace.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final List<String> TOOLS = List.of("ip", "iptables-restore", "ip6tables-restore", "ipset", "conntrack",
            "sysctl", "ebtables-nft-restore");

    /** One demo VM: namespace, host-side device, MAC and addresses. */
    public record DemoVm(String name, String namespace, String device, String mac, String ipv4, String ipv6) {
    }

    private final String name;
    private final List<DemoVm> vms;
    private final String remote;

    public SandboxNamespace(String name) {
        this.name = name;
        this.remote = name + "-remote";
        this.vms = List.of(
                new DemoVm("vm1", name + "-vm1", "vnet1", "02:00:00:77:00:01", "10.77.0.11", "fd77::11"),
                new DemoVm("vm2", name + "-vm2", "vnet2", "02:00:00:77:00:02", "10.77.0.12", "fd77::12"));
    }

    public String name() {
        return name;
    }

    public List<DemoVm> vms() {
        return vms;
    }

    public String remoteNamespace() {
        return remote;
    }

    /** What prevents the sandbox from running here, as one actionable message; empty if nothing. */
    public static String problems() {
        List<String> problems = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            problems.add("the sandbox creates network namespaces and needs root (run as root)");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : TOOLS) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
                found |= Files.isExecutable(Path.of(dir, tool));
            }
            if (!found) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            problems.add("kernel tools missing: " + String.join(", ", missing)
                    + " (run: scripts/install-kernel-tools)");
        }
        return String.join("; ", problems);
    }

    /** Removes leftovers of an earlier run, then builds the hypervisor, the remote and the demo VMs. */
    public void create() {
        remove();
        run("ip", "netns", "add", name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        run("ip", "-n", name, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0");
        run("ip", "-n", name, "addr", "add", "10.77.0.1/24", "dev", "br0");
        run("ip", "-n", name, "addr", "add", "fd77::1/64", "dev", "br0", "nodad");
        run("ip", "-n", name, "link", "set", "br0", "up");
        peer(remote, "uplink0", "02:00:00:77:00:fe", "10.77.0.254", "fd77::fe");
        for (DemoVm vm : vms) {
            peer(vm.namespace(), vm.device(), vm.mac(), vm.ipv4(), vm.ipv6());
        }
        log.info("sandbox: hypervisor namespace '{}' (bridge br0, 10.77.0.1), remote '{}' (10.77.0.254), demo VMs {}; "
                + "the host's own firewall is not touched", name, remote, vms.stream().map(DemoVm::name).toList());
    }

    private void peer(String namespace, String hostDevice, String mac, String ipv4, String ipv6) {
        run("ip", "netns", "add", namespace);
        run("ip", "-n", namespace, "link", "set", "lo", "up");
        run("ip", "-n", name, "link", "add", hostDevice, "type", "veth", "peer", "name", "eth0", "netns", namespace);
        run("ip", "-n", namespace, "link", "set", "eth0", "address", mac);
        run("ip", "-n", namespace, "addr", "add", ipv4 + "/24", "dev", "eth0");
        run("ip", "-n", namespace, "addr", "add", ipv6 + "/64", "dev", "eth0", "nodad");
        run("ip", "-n", namespace, "link", "set", "eth0", "up");
        run("ip", "-n", name, "link", "set", hostDevice, "master", "br0");
        run("ip", "-n", name, "link", "set", hostDevice, "up");
    }

    public void remove() {
        List<String> all = new ArrayList<>(List.of(remote));
        vms.forEach(vm -> all.add(vm.namespace()));
        all.add(name);
        boolean removed = false;
        for (String namespace : all) {
            removed |= ProcessRunner.runRaw(List.of("ip", "netns", "del", namespace), null, TIMEOUT).ok();
        }
        if (removed) {
            log.info("sandbox namespaces of '{}' removed", name);
        }
    }

    private static void run(String... argv) {
        ProcessResult result = ProcessRunner.runRaw(List.of(argv), null, TIMEOUT);
        if (!result.ok()) {
            throw new IllegalStateException("sandbox setup failed: " + result.describe());
        }
    }
}
