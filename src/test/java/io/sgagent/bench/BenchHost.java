package io.sgagent.bench;

import io.sgagent.model.Addresses;
import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.Nic;
import io.sgagent.model.PortRange;
import io.sgagent.model.Protocol;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntToLongFunction;
import java.util.function.IntUnaryOperator;

/**
 * The benchmark hypervisor's desired state, generated deterministically: VM {@code i} (1..n) is named
 * {@code vm0001}..., has one NIC {@code vnet<i>} with one IPv4 and one IPv6 address, 30 ingress and 10 egress
 * rules, each with one IPv4 and one IPv6 CIDR (so 40 rule lines per family per VM). Every VM whose number ends in
 * 5 allows everything in both directions and is therefore untracked (B5); the others are tracked.
 *
 * <p>The same VM is available as the API's JSON body and as the compiler's model object, so the benchmark can
 * predict exactly what the agent writes (and the JMH benchmark can compile it without an agent).
 *
 * <p>{@code variant} changes one rule of a VM (the port of ingress rule 0 of a tracked VM, of ingress rule 1 of an
 * untracked one): that is the "one-VM update".
 */
public final class BenchHost {
    public static final int PROBE_PORT = 80;
    public static final int INGRESS_RULES = 30;
    public static final int EGRESS_RULES = 10;

    private BenchHost() {
    }

    /** One rule in request shape; null fields are left out of the JSON. */
    record RuleSpec(String protocol, Integer portStart, Integer portEnd, Integer icmpType, String v4, String v6) {
    }

    public static String name(int i) {
        return String.format("vm%04d", i);
    }

    public static String device(int i) {
        return "vnet" + i;
    }

    public static String mac(int i) {
        return String.format("02:00:00:00:%02x:%02x", i >> 8, i & 0xff);
    }

    /** 10.99.1.2 ... 10.99.4.251: inside the testbed's 10.99.0.0/16, clear of the hypervisor and the remote. */
    public static String ipv4(int i) {
        return "10.99." + (1 + (i - 1) / 250) + "." + (2 + (i - 1) % 250);
    }

    public static String ipv6(int i) {
        return "fd99::a:" + Integer.toHexString(i);
    }

    public static boolean untracked(int i) {
        return i % 10 == 5;
    }

    static List<RuleSpec> ingress(int i, int variant) {
        List<RuleSpec> rules = new ArrayList<>();
        if (untracked(i)) {
            rules.add(new RuleSpec("all", null, null, null, "0.0.0.0/0", "::/0"));
        } else {
            int port = 2000 + variant;
            rules.add(new RuleSpec("tcp", port, port, null, "10.0.0.0/8", "fd00::/8"));
        }
        for (int k = 1; k <= 27; k++) {
            int port = (untracked(i) && k == 1) ? 3000 + variant : 3000 + k * 7;
            switch (k % 3) {
                case 0 -> rules.add(new RuleSpec("tcp", port, port + k % 5, null, "10." + k + ".0.0/16",
                        "fd00:" + Integer.toHexString(k) + "::/32"));
                case 1 -> rules.add(new RuleSpec("udp", port, port, null, "172.16." + k + ".0/24",
                        "fd01:0:" + Integer.toHexString(k) + "::/48"));
                default -> rules.add(new RuleSpec("icmp", null, null, 8, "192.168." + k + ".0/24",
                        "fd02:0:0:" + Integer.toHexString(k) + "::/64"));
            }
        }
        rules.add(new RuleSpec("tcp", 22, 22, null, "198.51.100.0/24", "2001:db8:100::/48"));
        // The probe port, last: a probe walks the VM's whole ingress chain.
        rules.add(new RuleSpec("tcp", PROBE_PORT, PROBE_PORT, null, "0.0.0.0/0", "::/0"));
        return rules;
    }

    static List<RuleSpec> egress(int i) {
        List<RuleSpec> rules = new ArrayList<>();
        if (untracked(i)) {
            rules.add(new RuleSpec("all", null, null, null, "0.0.0.0/0", "::/0"));
        } else {
            rules.add(new RuleSpec("tcp", 443, 443, null, "0.0.0.0/0", "::/0"));
        }
        rules.add(new RuleSpec("udp", 123, 123, null, "0.0.0.0/0", "::/0"));
        rules.add(new RuleSpec("tcp", 5432, 5432, null, "10.99.0.0/16", "fd99::/64"));
        for (int k = 3; k < EGRESS_RULES; k++) {
            rules.add(new RuleSpec("tcp", 8000 + k, 8000 + k, null, "203.0.113." + (k * 16) + "/28",
                    "2001:db8:" + Integer.toHexString(k) + "::/48"));
        }
        return rules;
    }

    /** The body of {@code PUT /api/v1/vms/{name}}. */
    public static String json(int i, long seq, int variant) {
        StringBuilder out = new StringBuilder(4096);
        out.append("{\"vmId\":").append(i).append(",\"seq\":").append(seq)
                .append(",\"nics\":[{\"device\":\"").append(device(i)).append("\",\"mac\":\"").append(mac(i))
                .append("\",\"ipv4\":[\"").append(ipv4(i)).append("\"],\"ipv6\":[\"").append(ipv6(i)).append("\"]}]");
        out.append(",\"ingress\":");
        rulesJson(out, ingress(i, variant));
        out.append(",\"egress\":");
        rulesJson(out, egress(i));
        return out.append('}').toString();
    }

    /** The body of {@code PUT /api/v1/vms}: VMs 1..n. */
    public static String hostJson(int n, IntToLongFunction seq, IntUnaryOperator variant) {
        StringBuilder out = new StringBuilder(n * 3000);
        out.append("{\"vms\":{");
        for (int i = 1; i <= n; i++) {
            if (i > 1) {
                out.append(',');
            }
            out.append('"').append(name(i)).append("\":").append(json(i, seq.applyAsLong(i), variant.applyAsInt(i)));
        }
        return out.append("}}").toString();
    }

    private static void rulesJson(StringBuilder out, List<RuleSpec> rules) {
        out.append('[');
        for (int r = 0; r < rules.size(); r++) {
            RuleSpec rule = rules.get(r);
            if (r > 0) {
                out.append(',');
            }
            out.append("{\"protocol\":\"").append(rule.protocol()).append('"');
            if (rule.portStart() != null) {
                out.append(",\"portStart\":").append(rule.portStart()).append(",\"portEnd\":").append(rule.portEnd());
            }
            if (rule.icmpType() != null) {
                out.append(",\"icmpType\":").append(rule.icmpType()).append(",\"icmpCode\":-1");
            }
            out.append(",\"cidrs\":[\"").append(rule.v4()).append("\",\"").append(rule.v6()).append("\"]}");
        }
        out.append(']');
    }

    /** The same VM as the compiler's model (what the API maps the JSON body to). */
    public static Vm vm(int i, long seq, int variant) {
        Nic nic = new Nic(device(i), mac(i), List.of(Addresses.host(ipv4(i), Family.IPV4)),
                List.of(Addresses.host(ipv6(i), Family.IPV6)));
        return new Vm(name(i), (long) i, seq, List.of(nic), model(ingress(i, variant)), model(egress(i)));
    }

    public static HostState host(int n, IntToLongFunction seq, IntUnaryOperator variant) {
        Map<String, Vm> vms = new TreeMap<>();
        for (int i = 1; i <= n; i++) {
            vms.put(name(i), vm(i, seq.applyAsLong(i), variant.applyAsInt(i)));
        }
        return new HostState(new TreeMap<>(vms));
    }

    private static List<SgRule> model(List<RuleSpec> specs) {
        List<SgRule> rules = new ArrayList<>();
        for (RuleSpec spec : specs) {
            Protocol protocol = Protocol.parse(spec.protocol());
            PortRange ports = spec.portStart() == null ? null : new PortRange(spec.portStart(), spec.portEnd());
            IcmpMatch icmp = spec.icmpType() == null ? null : new IcmpMatch(spec.icmpType(), null);
            List<Cidr> cidrs = List.of(Addresses.cidr(spec.v4()), Addresses.cidr(spec.v6()));
            rules.add(new SgRule(protocol, ports, icmp, cidrs));
        }
        return rules;
    }
}
