package io.sgagent.testbed;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Handle on one network namespace of a {@link Testbed}: a VM, the remote peer or the hypervisor itself. All probes
 * send real packets from this namespace; they return quickly (&le; the testbed's probe timeout, 1.5 s by default)
 * when the traffic is blocked.
 *
 * <p>Probes taking a {@code target} {@link Vm} make sure an echo server for the port runs in the target namespace
 * first (started lazily, kept until {@link Testbed#close()}); pass {@code null} to skip that (e.g. to probe a port
 * nobody listens on).
 */
public final class Vm {

    public enum Kind { VM, REMOTE, HYPERVISOR }

    private final Testbed testbed;
    private final String name;
    private final String namespace;
    private final Kind kind;
    private final List<Nic> nics = new ArrayList<>();
    private final Map<String, Process> servers = new HashMap<>();

    Vm(Testbed testbed, String name, String namespace, Kind kind) {
        this.testbed = testbed;
        this.name = name;
        this.namespace = namespace;
        this.kind = kind;
    }

    synchronized void addNicInternal(Nic nic) {
        nics.add(nic);
    }

    // ------------------------------------------------------------------ identity

    /** Short name given to {@link Testbed#addVm}; {@code "rm"} for the remote, {@code "hv"} for the hypervisor. */
    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** Network namespace name, e.g. {@code sgt-vm1}. */
    public String namespace() {
        return namespace;
    }

    public synchronized List<Nic> nics() {
        return Collections.unmodifiableList(new ArrayList<>(nics));
    }

    /** NIC {@code index} (0 = {@code eth0}, 1 = {@code eth1}; the hypervisor has a single NIC, {@code br0}). */
    public synchronized Nic nic(int index) {
        return nics.get(index);
    }

    /** Host-side device of the first NIC (e.g. {@code vnet3}); {@code uplink0} for the remote; null for the hv. */
    public String device() {
        return nic(0).hostDevice();
    }

    /** MAC of the first NIC. */
    public String mac() {
        return nic(0).mac();
    }

    /** First IPv4 address of the first NIC (no prefix length). */
    public String ipv4() {
        return first(nic(0).ipv4(), "IPv4");
    }

    /** First global IPv6 address of the first NIC (no prefix length). */
    public String ipv6() {
        return first(nic(0).ipv6(), "IPv6");
    }

    /** EUI-64 link-local address of the first NIC, without scope. */
    public String linkLocal() {
        return nic(0).linkLocal();
    }

    private String first(List<String> l, String what) {
        if (l.isEmpty()) {
            throw new IllegalStateException(name + " has no " + what + " address on " + nic(0).inner());
        }
        return l.get(0);
    }

    public Testbed testbed() {
        return testbed;
    }

    // ------------------------------------------------------------------ commands

    /** Runs {@code argv} inside this namespace; never throws for a non-zero exit (see {@link ExecResult#ok()}). */
    public ExecResult exec(String... argv) {
        return testbed.run(namespace, argv);
    }

    /** Runs {@code argv} inside this namespace and returns stdout; throws with stderr on failure. */
    public String execOrThrow(String... argv) {
        return testbed.exec(namespace, argv);
    }

    // ------------------------------------------------------------------ servers

    /** Starts (idempotently) TCP echo servers on all addresses (IPv4 + IPv6) of this namespace. */
    public Vm serveTcp(int... ports) {
        for (int p : ports) {
            ensureServer("tcp", p);
        }
        return this;
    }

    /** Starts (idempotently) UDP echo servers on all addresses (IPv4 + IPv6) of this namespace. */
    public Vm serveUdp(int... ports) {
        for (int p : ports) {
            ensureServer("udp", p);
        }
        return this;
    }

    /** Stops the echo server for {@code proto} ("tcp"/"udp") and {@code port} if it runs. */
    public synchronized void stopServer(String proto, int port) {
        Process p = servers.remove(proto + "/" + port);
        if (p != null) {
            Cmd.kill(p);
        }
    }

    private synchronized void ensureServer(String proto, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad port " + port);
        }
        String key = proto + "/" + port;
        Process p = servers.get(key);
        if (p != null && p.isAlive()) {
            return;
        }
        servers.put(key, testbed.startServer(this, proto, port));
    }

    // ------------------------------------------------------------------ probes

    /**
     * TCP connect to {@code targetIp:port} and echo a small payload. {@code true} iff the handshake completes and the
     * payload echoes back within the probe timeout.
     */
    public boolean tcpConnect(Vm target, String targetIp, int port) {
        return tcpProbe(target, targetIp, port).ok();
    }

    /** Like {@link #tcpConnect} but tells why it failed. */
    public ProbeResult tcpProbe(Vm target, String targetIp, int port) {
        return probe("tcp", target, null, targetIp, port);
    }

    /** {@link #tcpConnect} from a forged source address (temporarily added to eth0, see {@link #udpExchangeFrom}). */
    public boolean tcpConnectFrom(Vm target, String srcIp, String targetIp, int port) {
        return probe("tcp", target, srcIp, targetIp, port).ok();
    }

    /** Send a UDP datagram (re-sent every 0.5 s) and wait for the echo; {@code true} iff it arrives in time. */
    public boolean udpExchange(Vm target, String targetIp, int port) {
        return udpProbe(target, targetIp, port).ok();
    }

    public ProbeResult udpProbe(Vm target, String targetIp, int port) {
        return probe("udp", target, null, targetIp, port);
    }

    /**
     * UDP exchange with a forged source address: {@code srcIp} is temporarily added to {@code eth0} (as /32 or /128,
     * nodad) unless it already is a local address, the probe binds to it, and the address is removed again. The
     * echo may legitimately not come back (e.g. when {@code srcIp} belongs to another VM); the result says whether
     * it did.
     */
    public boolean udpExchangeFrom(Vm target, String srcIp, String targetIp, int port) {
        return udpProbeFrom(target, srcIp, targetIp, port).ok();
    }

    public ProbeResult udpProbeFrom(Vm target, String srcIp, String targetIp, int port) {
        return probe("udp", target, srcIp, targetIp, port);
    }

    /**
     * ICMP echo (IPv4) or ICMPv6 echo (address contains ':'); link-local targets need a scope, e.g.
     * {@code fe80::1%eth0}. {@code true} iff an echo reply with our id arrives within the probe timeout.
     */
    public boolean ping(String targetIp) {
        return pingProbe(targetIp).ok();
    }

    public ProbeResult pingProbe(String targetIp) {
        return probe("ping", null, null, targetIp, 0);
    }

    /** Ping from a forged source address (temporarily added, like {@link #udpExchangeFrom}). */
    public boolean pingFrom(String srcIp, String targetIp) {
        return probe("ping", null, srcIp, targetIp, 0).ok();
    }

    private ProbeResult probe(String mode, Vm target, String srcIp, String targetIp, int port) {
        Objects.requireNonNull(targetIp, "targetIp");
        if (target != null) {
            target.ensureServer(mode, port);
        }
        if (srcIp == null) {
            return runClient(mode, "", targetIp, port);
        }
        String src = Addr.bare(srcIp);
        if (Addr.isV6(src) != Addr.isV6(Addr.bare(targetIp))) {
            throw new IllegalArgumentException("source " + src + " and target " + targetIp + " differ in family");
        }
        boolean added = addTemporaryAddress(src);
        try {
            return runClient(mode, src, targetIp, port);
        } finally {
            if (added) {
                removeTemporaryAddress(src);
            }
        }
    }

    private ProbeResult runClient(String mode, String src, String targetIp, int port) {
        Duration budget = testbed.probeTimeout();
        ExecResult r = testbed.run(namespace, budget.plusSeconds(5), "python3", "-c", Probes.CLIENT, mode, targetIp,
                Integer.toString(port), src, Double.toString(budget.toMillis() / 1000.0));
        ProbeResult res = r.timedOut() ? null : ProbeResult.fromExitCode(r.exitCode());
        if (res == null) {
            throw new IllegalStateException(mode + " probe from " + name + " to " + targetIp
                    + (port > 0 ? ":" + port : "") + " could not run: " + r.describe());
        }
        return res;
    }

    private String inner() {
        return nic(0).inner();
    }

    /** Adds {@code ip} (/32 or /128, nodad) to eth0 unless it is already local; returns whether it was added. */
    boolean addTemporaryAddress(String ip) {
        if (hasLocalAddress(ip)) {
            return false;
        }
        String dev = inner();
        ExecResult r = Addr.isV6(ip)
                ? testbed.runHost("ip", "-n", namespace, "-6", "addr", "add", ip + "/128", "dev", dev, "nodad")
                : testbed.runHost("ip", "-n", namespace, "addr", "add", ip + "/32", "dev", dev);
        r.orThrow();
        return true;
    }

    /** Whether {@code ip} is currently configured on any interface of this namespace. */
    public boolean hasLocalAddress(String ip) {
        InetAddress want = Addr.parse(ip);
        for (String line : testbed.runHost("ip", "-n", namespace, "-o", "addr", "show").orThrow().lines()) {
            String[] f = line.split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if ((f[i].equals("inet") || f[i].equals("inet6")) && want.equals(Addr.parse(Addr.bare(f[i + 1])))) {
                    return true;
                }
            }
        }
        return false;
    }

    void removeTemporaryAddress(String ip) {
        String cidr = ip + (Addr.isV6(ip) ? "/128" : "/32");
        testbed.runHost("ip", "-n", namespace, "addr", "del", cidr, "dev", inner()).orThrow();
    }

    synchronized List<Process> serverProcesses() {
        return new ArrayList<>(servers.values());
    }

    synchronized void forgetServers() {
        servers.clear();
    }

    @Override
    public String toString() {
        return "Vm[" + name + " ns=" + namespace + " " + nics() + "]";
    }
}
