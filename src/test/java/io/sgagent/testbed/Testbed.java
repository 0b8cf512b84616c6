package io.sgagent.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A throw-away KVM-hypervisor look-alike built from Linux network namespaces, for tests that must prove firewall
 * behaviour with real packets. One instance per test class; always {@link #close()} it (try-with-resources,
 * {@code @AfterAll}, or {@link TestbedExtension}).
 *
 * <pre>
 *   &lt;prefix&gt;-hv   hypervisor: bridge br0 (02:99:00:00:00:01) with 10.99.0.1/16, 10.98.0.1/16, fd99::1/64, fd98::1/64,
 *                 bridge-nf-call-ip(6)tables=1, STP off, forward_delay 0, multicast snooping off
 *     +-- uplink0 ==veth== eth0  &lt;prefix&gt;-rm   remote: 02:99:00:00:ff:fe, 10.99.255.254/16, 10.98.255.254/16,
 *     |                                                 fd99::ffff/64, fd98::fffe/64
 *     +-- vnetN   ==veth== eth0  &lt;prefix&gt;-&lt;vm&gt;  VM: addresses in 10.99.0.0/16 and fd99::/64
 *     +-- vnetM   ==veth== eth1  (second NIC of a VM, {@link #addNic}: use 10.98.0.0/16 and fd98::/64)
 * </pre>
 *
 * <p>Everything happens inside namespaces created here; the initial namespace is never modified. Firewall rules
 * for bridged VM traffic belong in the hypervisor namespace ({@link #hvNamespace()}, {@link #execHv}).
 */
public final class Testbed implements AutoCloseable {

    public static final String BRIDGE = "br0";
    public static final String BRIDGE_MAC = "02:99:00:00:00:01";
    public static final String UPLINK = "uplink0";
    public static final String REMOTE_MAC = "02:99:00:00:ff:fe";
    public static final List<String> HV_IPV4 = List.of("10.99.0.1", "10.98.0.1");
    public static final List<String> HV_IPV6 = List.of("fd99::1", "fd98::1");
    public static final List<String> REMOTE_IPV4 = List.of("10.99.255.254", "10.98.255.254");
    public static final List<String> REMOTE_IPV6 = List.of("fd99::ffff", "fd98::fffe");
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMillis(1500);

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_]{1,10}");
    private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9_.]{1,40}");
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.]{1,15}");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final String prefix;
    private final String hvNs;
    private final String rmNs;
    /** namespaces in creation order. */
    private final List<String> namespaces = new CopyOnWriteArrayList<>();
    private final Map<String, Vm> vms = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Set<String> devices = ConcurrentHashMap.newKeySet();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Vm hypervisor;
    private final Vm remote;
    private volatile Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
    private volatile boolean closed;
    private final Thread shutdownHook;

    private Testbed(String prefix) {
        this.prefix = prefix;
        this.hvNs = prefix + "-hv";
        this.rmNs = prefix + "-rm";
        this.hypervisor = new Vm(this, "hv", hvNs, Vm.Kind.HYPERVISOR);
        this.remote = new Vm(this, "rm", rmNs, Vm.Kind.REMOTE);
        this.shutdownHook = new Thread(this::closeQuietly, "testbed-" + prefix + "-cleanup");
    }

    /**
     * Builds hypervisor + remote namespaces. First checks the kernel prerequisites ({@link KernelSupport}) and
     * deletes leftovers {@code <prefix>-*} of a crashed earlier run.
     *
     * @param prefix {@code [A-Za-z0-9_]{1,10}}, unique per test class (no '-', so prefixes never shadow each other)
     */
    public static Testbed create(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix must match " + PREFIX + ": " + prefix);
        }
        KernelSupport.assumeKernel();
        removeLeftovers(prefix);
        Testbed tb = new Testbed(prefix);
        try {
            Runtime.getRuntime().addShutdownHook(tb.shutdownHook);
            tb.setUp();
        } catch (RuntimeException | Error e) {
            try {
                tb.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return tb;
    }

    // ------------------------------------------------------------------ accessors

    public String prefix() {
        return prefix;
    }

    public String hvNamespace() {
        return hvNs;
    }

    public String remoteNamespace() {
        return rmNs;
    }

    /** Probe handle for the hypervisor namespace itself (addresses on br0: 10.99.0.1, fd99::1, ...). */
    public Vm hypervisor() {
        return hypervisor;
    }

    /** The remote peer behind {@code uplink0} (10.99.255.254, fd99::ffff, ...). */
    public Vm remote() {
        return remote;
    }

    public Vm vm(String name) {
        Vm vm = vms.get(name);
        if (vm == null) {
            throw new IllegalArgumentException("no VM " + name);
        }
        return vm;
    }

    public List<Vm> vms() {
        synchronized (vms) {
            return List.copyOf(vms.values());
        }
    }

    /** All namespaces this testbed created (and will delete). */
    public List<String> namespaces() {
        return List.copyOf(namespaces);
    }

    public Duration probeTimeout() {
        return probeTimeout;
    }

    /** Changes the deadline of every probe (default 1.5 s). */
    public void setProbeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.probeTimeout = timeout;
    }

    // ------------------------------------------------------------------ topology

    /**
     * Creates VM namespace {@code <prefix>-<name>} with {@code eth0} (MAC {@code mac}, EUI-64 link-local) whose peer
     * {@code device} is enslaved to br0. Addresses without a prefix length get /16 (IPv4) or /64 (IPv6, nodad).
     * Returns once the bridge port is forwarding and the link-local address is usable.
     */
    public Vm addVm(String name, String device, String mac, List<String> ipv4, List<String> ipv6) {
        checkOpen();
        if (name == null || !VM_NAME.matcher(name).matches() || name.equals("hv") || name.equals("rm")) {
            throw new IllegalArgumentException("bad VM name (must match " + VM_NAME + ", not hv/rm): " + name);
        }
        Vm vm = new Vm(this, name, prefix + "-" + name, Vm.Kind.VM);
        synchronized (vms) {
            if (vms.putIfAbsent(name, vm) != null) {
                throw new IllegalArgumentException("VM " + name + " already exists");
            }
        }
        addNamespace(vm.namespace());
        sysctl(vm.namespace(), baseSysctls(true));
        attach(vm, device, "eth0", mac, ipv4, ipv6);
        return vm;
    }

    /**
     * Adds a second NIC ({@code eth1}, then {@code eth2}...) to an existing VM, host end {@code device} on br0. Use
     * 10.98.0.0/16 and fd98::/64 for it (a subnet of its own, so routing in the VM is unambiguous); the hypervisor
     * and the remote have addresses in that subnet too. Returns {@code vm}.
     */
    public Vm addNic(Vm vm, String device, String mac, List<String> ipv4, List<String> ipv6) {
        checkOpen();
        if (vm.testbed() != this || vm.kind() != Vm.Kind.VM) {
            throw new IllegalArgumentException("not a VM of this testbed: " + vm);
        }
        attach(vm, device, "eth" + vm.nics().size(), mac, ipv4, ipv6);
        return vm;
    }

    private void setUp() {
        addNamespace(hvNs);
        addNamespace(rmNs);
        List<String> hvSysctls = new ArrayList<>(baseSysctls(false));
        hvSysctls.add("net.bridge.bridge-nf-call-iptables=1");
        hvSysctls.add("net.bridge.bridge-nf-call-ip6tables=1");
        sysctl(hvNs, hvSysctls);
        sysctl(rmNs, baseSysctls(false));

        ipHost("-n", hvNs, "link", "add", BRIDGE, "address", BRIDGE_MAC, "type", "bridge", "stp_state", "0",
                "forward_delay", "0", "mcast_snooping", "0", "nf_call_iptables", "1", "nf_call_ip6tables", "1");
        sysctl(hvNs, List.of("net.ipv6.conf." + BRIDGE + ".accept_dad=0"));
        for (String a : HV_IPV4) {
            ipHost("-n", hvNs, "addr", "add", a + "/16", "dev", BRIDGE);
        }
        for (String a : HV_IPV6) {
            ipHost("-n", hvNs, "-6", "addr", "add", a + "/64", "dev", BRIDGE, "nodad");
        }
        ipHost("-n", hvNs, "link", "set", BRIDGE, "up");
        hypervisor.addNicInternal(new Nic(BRIDGE, null, BRIDGE_MAC, HV_IPV4, HV_IPV6));

        List<String> rm4 = List.of(REMOTE_IPV4.get(0) + "/16", REMOTE_IPV4.get(1) + "/16");
        List<String> rm6 = List.of(REMOTE_IPV6.get(0) + "/64", REMOTE_IPV6.get(1) + "/64");
        attach(remote, UPLINK, "eth0", REMOTE_MAC, rm4, rm6);
    }

    private static List<String> baseSysctls(boolean vm) {
        List<String> l = new ArrayList<>(List.of(
                "net.ipv6.conf.all.disable_ipv6=0",
                "net.ipv6.conf.default.disable_ipv6=0",
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.default.addr_gen_mode=0",
                "net.ipv6.conf.all.accept_ra=0",
                "net.ipv6.conf.default.accept_ra=0",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0"));
        if (vm) {
            // two NICs on one L2 segment: answer ARP only on the NIC that owns the address (no ARP flux)
            l.add("net.ipv4.conf.all.arp_ignore=1");
            l.add("net.ipv4.conf.all.arp_announce=2");
        }
        return l;
    }

    private void attach(Vm vm, String device, String inner, String mac, List<String> ipv4, List<String> ipv6) {
        String m = Addr.requireMac(mac);
        if (device == null || !DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("bad device name (<= 15 chars of " + DEVICE + "): " + device);
        }
        if (device.equals(BRIDGE) || !devices.add(device)) {
            throw new IllegalArgumentException("device " + device + " already exists on the hypervisor");
        }
        ipv4.forEach(a -> requireFamily(a, false));
        ipv6.forEach(a -> requireFamily(a, true));
        String ns = vm.namespace();
        ipHost("-n", hvNs, "link", "add", device, "type", "veth", "peer", "name", inner, "address", m, "netns", ns);
        // link-local = EUI-64 of the MAC, no DAD; set before the link comes up
        ipHost("-n", ns, "link", "set", inner, "addrgenmode", "eui64");
        sysctl(ns, List.of("net.ipv6.conf." + inner + ".addr_gen_mode=0", "net.ipv6.conf." + inner + ".accept_dad=0"));
        for (String a : ipv4) {
            ipHost("-n", ns, "addr", "add", Addr.withPrefix(a, 16), "dev", inner);
        }
        for (String a : ipv6) {
            ipHost("-n", ns, "-6", "addr", "add", Addr.withPrefix(a, 64), "dev", inner, "nodad");
        }
        ipHost("-n", hvNs, "link", "set", device, "master", BRIDGE);
        ipHost("-n", hvNs, "link", "set", device, "up");
        ipHost("-n", ns, "link", "set", inner, "up");
        vm.addNicInternal(new Nic(inner, device, m, ipv4.stream().map(Addr::bare).toList(),
                ipv6.stream().map(Addr::bare).toList()));
        waitReady(device, ns, inner);
    }

    private static void requireFamily(String a, boolean v6) {
        Addr.parse(a);
        if (Addr.isV6(a) != v6) {
            throw new IllegalArgumentException((v6 ? "expected IPv6: " : "expected IPv4: ") + a);
        }
    }

    /** Waits until the bridge port forwards, the inner link is up and its link-local address is not tentative. */
    private void waitReady(String device, String ns, String inner) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "";
        while (true) {
            ExecResult port = runHost("ip", "-n", hvNs, "-d", "link", "show", "dev", device);
            ExecResult link = runHost("ip", "-n", ns, "link", "show", "dev", inner);
            ExecResult ll = runHost("ip", "-n", ns, "-6", "addr", "show", "dev", inner, "scope", "link");
            boolean forwarding = port.ok() && port.stdout().contains("state forwarding");
            boolean up = link.ok() && link.stdout().contains("state UP");
            boolean llOk = ll.ok() && ll.stdout().contains("fe80::") && !ll.stdout().contains("tentative");
            if (forwarding && up && llOk) {
                return;
            }
            last = port.stdout() + link.stdout() + ll.stdout();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("interface " + ns + "/" + inner + " (port " + device
                        + ") not ready after " + READY_TIMEOUT + ":\n" + last);
            }
            Cmd.sleep(20);
        }
    }

    // ------------------------------------------------------------------ command helpers

    /** Runs {@code argv} in {@code namespace}; returns stdout, throws (with stderr) on non-zero exit or timeout. */
    public String exec(String namespace, String... argv) {
        return run(namespace, argv).orThrow().stdout();
    }

    /** Runs {@code argv} in {@code namespace} (10 s timeout) without throwing on failure. */
    public ExecResult run(String namespace, String... argv) {
        return run(namespace, Cmd.DEFAULT_TIMEOUT, argv);
    }

    public ExecResult run(String namespace, Duration timeout, String... argv) {
        return Cmd.run(Cmd.inNetns(namespace, List.of(argv)), timeout);
    }

    /** {@link #exec} in the hypervisor namespace, e.g. {@code execHv("iptables", "-A", "FORWARD", "-j", "DROP")}. */
    public String execHv(String... argv) {
        return exec(hvNs, argv);
    }

    public ExecResult runHv(String... argv) {
        return run(hvNs, argv);
    }

    /** Runs a command in the initial namespace (only used for {@code ip -n ...} / {@code ip netns ...}). */
    ExecResult runHost(String... argv) {
        return Cmd.run(List.of(argv), Cmd.DEFAULT_TIMEOUT);
    }

    private void ipHost(String... args) {
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add("ip");
        argv.addAll(List.of(args));
        Cmd.run(argv, Cmd.DEFAULT_TIMEOUT).orThrow();
    }

    private void sysctl(String ns, List<String> kv) {
        List<String> argv = new ArrayList<>();
        argv.add("python3");
        argv.add("-c");
        argv.add(Probes.SYSCTL);
        argv.addAll(kv);
        run(ns, argv.toArray(String[]::new)).orThrow();
    }

    private void addNamespace(String ns) {
        ExecResult r = runHost("ip", "netns", "add", ns);
        if (!r.ok()) {
            throw new ExecResult.CommandFailedException(r);
        }
        namespaces.add(ns);
        ipHost("-n", ns, "link", "set", "lo", "up");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("testbed " + prefix + " is closed");
        }
    }

    // ------------------------------------------------------------------ conntrack

    /** Number of conntrack entries (both families) in the hypervisor namespace. */
    public long conntrackCount() {
        String out = execHv("conntrack", "-C").strip();
        try {
            return Long.parseLong(out);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("unexpected conntrack -C output: " + out, e);
        }
    }

    /** {@code conntrack -L} lines of the hypervisor namespace, IPv4 first, then IPv6. */
    public List<String> conntrackEntries() {
        List<String> l = new ArrayList<>(execHvLines("conntrack", "-L", "-f", "ipv4"));
        l.addAll(execHvLines("conntrack", "-L", "-f", "ipv6"));
        return l;
    }

    /** Deletes all conntrack entries of the hypervisor namespace. */
    public void conntrackFlush() {
        ExecResult r = runHv("conntrack", "-F");
        // conntrack -F reports "0 flow entries" on stderr; some versions exit 1 on an empty table
        if (!r.ok() && !r.stderr().contains("flow entries")) {
            throw new ExecResult.CommandFailedException(r);
        }
    }

    private List<String> execHvLines(String... argv) {
        return runHv(argv).orThrow().lines();
    }

    // ------------------------------------------------------------------ servers

    Process startServer(Vm vm, String proto, int port) {
        checkOpen();
        String script = proto.equals("tcp") ? Probes.TCP_SERVER : Probes.UDP_SERVER;
        List<String> cmd = Cmd.inNetns(vm.namespace(), List.of("python3", "-c", script, Integer.toString(port)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + proto + " server in " + vm.namespace(), e);
        }
        processes.add(p);
        // stdin stays open: the server exits on EOF, i.e. when this JVM dies
        StringBuffer log = new StringBuffer();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Cmd.IO_POOL.execute(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!ready.isDone() && line.strip().equals("ready")) {
                        ready.complete(true);
                    } else if (log.length() < 10_000) {
                        log.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // process killed
            } finally {
                ready.complete(false);
            }
        });
        boolean ok;
        try {
            ok = ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ok = false;
        }
        if (!ok) {
            Cmd.kill(p);
            processes.remove(p);
            throw new IllegalStateException(proto + " echo server on port " + port + " in " + vm.namespace()
                    + " did not become ready: " + log.toString().strip());
        }
        return p;
    }

    // ------------------------------------------------------------------ cleanup

    /** Kills servers and deletes every namespace created by this testbed. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // JVM already shutting down (we may be the hook), or hook never registered
        }
        List<String> errors = new ArrayList<>();
        for (Process p : processes) {
            Cmd.kill(p);
        }
        processes.clear();
        vms().forEach(Vm::forgetServers);
        remote.forgetServers();
        hypervisor.forgetServers();
        List<String> ns = new ArrayList<>(namespaces);
        Collections.reverse(ns);
        for (String n : ns) {
            String err = deleteNamespace(n);
            if (err == null) {
                namespaces.remove(n);
            } else {
                errors.add(err);
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("testbed " + prefix + " cleanup incomplete: " + String.join("; ", errors));
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("[testbed] " + e.getMessage());
        }
    }

    /** Namespaces (names only) currently listed by {@code ip netns list}. */
    public static List<String> listNamespaces() {
        ExecResult r = Cmd.run(Cmd.DEFAULT_TIMEOUT, "ip", "netns", "list").orThrow();
        return r.lines().stream().map(l -> l.split("\\s+")[0]).toList();
    }

    private static void removeLeftovers(String prefix) {
        for (String ns : listNamespaces()) {
            if (ns.startsWith(prefix + "-")) {
                String err = deleteNamespace(ns);
                if (err != null) {
                    throw new IllegalStateException("cannot remove leftover namespace: " + err);
                }
            }
        }
    }

    /** Kills whatever still runs in the namespace, then deletes it. Returns an error text or null. */
    private static String deleteNamespace(String ns) {
        ExecResult pids = Cmd.run(Cmd.DEFAULT_TIMEOUT, "ip", "netns", "pids", ns);
        if (pids.ok()) {
            for (String pid : pids.lines()) {
                try {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                } catch (NumberFormatException ignored) {
                    // not a pid
                }
            }
        }
        ExecResult last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            last = Cmd.run(Cmd.DEFAULT_TIMEOUT, "ip", "netns", "del", ns);
            if (last.ok() || !listNamespaces().contains(ns)) {
                return null;
            }
            Cmd.sleep(100L * (attempt + 1));
        }
        return last.describe();
    }

    @Override
    public String toString() {
        return "Testbed[" + prefix + ", namespaces=" + namespaces + "]";
    }
}
