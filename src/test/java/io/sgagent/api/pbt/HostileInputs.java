package io.sgagent.api.pbt;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generators of API input, from well-formed VMs to hostile ones: names that try to break out of a kernel object
 * name or an argv slot, addresses and CIDRs in every spelling a parser might misread, protocol values of every
 * JSON type, ports and ICMP values around every boundary, oversized lists, wrong JSON types, unknown fields, and
 * raw text that is not JSON at all (deep nesting, huge numbers, broken encodings).
 *
 * <p>VM bodies are plain {@code Map}/{@code List} trees, serialised by {@link #json(Object)}.
 */
public final class HostileInputs {
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String NAME_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String NAME_REST = NAME_FIRST + "_.-";

    /**
     * Names that could break out of a kernel object name, an iptables-restore line or an argv slot, one list per
     * class of attack. Every one of them must be rejected as a VM name and as a device name.
     */
    public static final Map<String, List<String>> HOSTILE_NAMES = hostileNames();

    private HostileInputs() {
    }

    private static Map<String, List<String>> hostileNames() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("shell metacharacters", List.of(";", "web;reboot", "a|b", "a&b", "$(id)", "`id`", "a>b", "a*", "a?"));
        m.put("whitespace", List.of("web 1", " web", "web ", "web\t1", "web\u00a0"));
        m.put("option injection", List.of("-j ACCEPT", "-jACCEPT", "--help", "-X", "-F"));
        m.put("path traversal", List.of("../etc", "..", ".", "a/b", "a\\b", "../../root"));
        m.put("unicode look-alikes", List.of("w\u0435b", "\uff57\uff45\uff42", "web\u200b", "web\u202e",
                "\u01c0web", "we\u0301b", "web\uff11", "\u0430"));
        m.put("too long", List.of("a".repeat(65), "b".repeat(200)));
        m.put("newline", List.of("web\n", "web\r\n-A sga-FORWARD -j ACCEPT", "\nweb", "web\rx"));
        m.put("NUL and control characters", List.of("web\0", "\0", "web\u0007", "web\u001b[2J"));
        m.put("quotes and escapes", List.of("web\"", "web'", "web\\", "web%00", "web%0a"));
        m.put("empty or leading punctuation", List.of("", "-web", ".web", "_web"));
        return m;
    }

    // ------------------------------------------------------------------ names

    /** Names the API accepts: [A-Za-z0-9][A-Za-z0-9_.-]*, 1-64 characters, biased towards the edges. */
    public static Gen<String> validName() {
        Gen<Integer> length = Gen.frequency(6, Gen.ints(1, 22), 2, Gen.elements(21, 22, 23, 24), 2,
                Gen.ints(23, 64), 1, Gen.constant(64));
        return validIdentifier(length);
    }

    /** Device names the API accepts: the default sgagent.devices.pattern (vnet/tap/vif...), 3-15 characters. */
    public static Gen<String> validDevice() {
        Gen<String> prefix = Gen.elements("vnet", "tap", "vif");
        return r -> {
            String p = prefix.next(r);
            int rest = Gen.<Integer>frequency(4, Gen.ints(0, 15 - p.length()), 1, Gen.constant(15 - p.length())).next(r).intValue();
            return p + Gen.strings(NAME_REST, rest, rest).next(r);
        };
    }

    private static Gen<String> validIdentifier(Gen<Integer> length) {
        Gen<String> first = Gen.strings(NAME_FIRST, 1, 1);
        return r -> {
            int n = length.next(r);
            return first.next(r) + Gen.strings(NAME_REST, n - 1, n - 1).next(r);
        };
    }

    /** Any name: mostly valid, often one of {@link #HOSTILE_NAMES}, sometimes random unicode. */
    public static Gen<String> name() {
        List<String> hostile = HOSTILE_NAMES.values().stream().flatMap(List::stream).toList();
        return Gen.frequency(5, validName(), 3, Gen.elements(hostile), 2, Gen.anyUnicode(0, 80),
                1, Gen.strings(NAME_REST + " ;/\\\n\0", 1, 70));
    }

    public static Gen<String> device() {
        List<String> hostile = HOSTILE_NAMES.values().stream().flatMap(List::stream).toList();
        return Gen.frequency(6, validDevice(), 2, Gen.elements(hostile), 1, Gen.anyUnicode(0, 20),
                1, Gen.strings(NAME_REST, 16, 20));
    }

    // ------------------------------------------------------------------ addresses

    /** A unicast MAC (even first octet), random; sometimes locally administered, sometimes upper case. */
    public static Gen<String> validMac() {
        return r -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                int octet = r.nextInt(256);
                if (i == 0) {
                    octet &= 0xfe;
                }
                if (i == 5 && sb.toString().equals("00:00:00:00:00:") && octet == 0) {
                    octet = 1;
                }
                sb.append(i == 0 ? "" : ":").append(String.format("%02x", octet));
            }
            return r.nextInt(5) == 0 ? sb.toString().toUpperCase(Locale.ROOT) : sb.toString();
        };
    }

    public static Gen<String> mac() {
        return Gen.frequency(6, validMac(), 3, Gen.elements("01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff",
                "00:00:00:00:00:00", "02-00-00-00-00-07", "02:00:00:00:00", "02:00:00:00:00:07:08", "0200.0000.0007",
                "02:00:00:00:00:0g", " 02:00:00:00:00:07", "02:00:00:00:00:07\n", "\u0660\u0662:00:00:00:00:07",
                "2:0:0:0:0:7", ""), 1, Gen.anyUnicode(0, 20));
    }

    public static Gen<String> validIpv4() {
        return r -> r.nextInt(1, 224) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(1, 255);
    }

    public static Gen<String> validIpv6() {
        return r -> {
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "fd" : "2001:db8:");
            if (sb.length() == 2) {
                sb.append(String.format("%02x", r.nextInt(256)));
                for (int i = 0; i < 3; i++) {
                    sb.append(':').append(Integer.toHexString(r.nextInt(0x10000)));
                }
            } else {
                sb.append(Integer.toHexString(r.nextInt(0x10000)));
            }
            int groups = r.nextInt(1, 5);
            sb.append(groups < 4 ? "::" : ":");
            for (int i = 0; i < groups; i++) {
                sb.append(i == 0 ? "" : ":").append(Integer.toHexString(r.nextInt(1, 0x10000)));
            }
            return sb.toString();
        };
    }

    private static final List<String> HOSTILE_ADDRESSES = List.of(
            "10.1", "010.1.1.1", "10.1.1.256", "0x0a.0.0.1", "10.0.0.1/24", "10.0.0.0/8", " 10.0.0.1", "10.0.0.1 ",
            "10.0.0.1\n", "10.0.0.1\0", "::ffff:10.0.0.1", "255.255.255.255", "0.0.0.0", "127.0.0.1", "224.0.0.1",
            "10.0.0.1-10.0.0.9", "10.0.0.*", "fe80::1%eth0", "::", "::1", "ff02::1", "2001:db8::1/64", ":::",
            "1:2:3:4:5:6:7:8:9", "2001:db8::g", "2001:0db8:0000:0000:0000:0000:0000:0001", "10.0.0.1 -j ACCEPT",
            "10.0.0.1;reboot", "1.2.3.4.5", "\u0661.2.3.4", "localhost", "", "1".repeat(100));

    public static Gen<String> ipv4() {
        return Gen.frequency(6, validIpv4(), 3, Gen.elements(HOSTILE_ADDRESSES), 1, validIpv6(),
                1, Gen.anyUnicode(0, 20));
    }

    public static Gen<String> ipv6() {
        return Gen.frequency(6, validIpv6(), 3, Gen.elements(HOSTILE_ADDRESSES), 1, validIpv4(),
                1, Gen.anyUnicode(0, 20));
    }

    /** A prefix block of either family, the /0s, or a bare address. */
    public static Gen<String> validCidr() {
        Gen<String> v4 = r -> {
            int prefix = r.nextInt(0, 33);
            long address = r.nextLong(1L << 32);
            long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            long net = address & mask;
            return ((net >> 24) & 255) + "." + ((net >> 16) & 255) + "." + ((net >> 8) & 255) + "." + (net & 255)
                    + "/" + prefix;
        };
        Gen<String> v6 = r -> {
            int prefix = r.nextInt(0, 129);
            BigInteger address = new BigInteger(128, new java.util.Random(r.nextLong()));
            BigInteger mask = prefix == 0 ? BigInteger.ZERO
                    : BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).shiftRight(128 - prefix)
                            .shiftLeft(128 - prefix);
            BigInteger net = address.and(mask);
            StringBuilder sb = new StringBuilder();
            for (int i = 7; i >= 0; i--) {
                sb.append(net.shiftRight(16 * i).and(BigInteger.valueOf(0xffff)).toString(16));
                if (i > 0) {
                    sb.append(':');
                }
            }
            return sb + "/" + prefix;
        };
        return Gen.frequency(4, v4, 3, v6, 2, Gen.elements("0.0.0.0/0", "::/0"), 1, validIpv4(), 1, validIpv6());
    }

    public static Gen<String> cidr() {
        return Gen.frequency(7, validCidr(), 3, Gen.elements("10.1.1.7/24", "10.0.0.0/33", "::/129", "1.2.3.4/-1",
                "10.0.0.0/08", "10.1.1.0/24 -j ACCEPT", "any", "*", "0/0", "10.0.0.0/8,11.0.0.0/8", "10.0.0.0/255.0.0.0",
                "2001:db8::/32\n-A FORWARD -j ACCEPT", "fe80::/10%eth0", "::ffff:0:0/96", "10.0.0.0/", "/8", "",
                "0.0.0.0/0 ", "\u0000"), 1, Gen.anyUnicode(0, 30));
    }

    // ------------------------------------------------------------------ rule fields

    /** Protocol values of every JSON type: names, numbers as JSON numbers and strings, and nonsense. */
    public static Gen<Object> protocol() {
        Gen<Object> valid = Gen.elements("tcp", "udp", "icmp", "all", "TCP", "Udp", "ALL", 6, 17, 1, "47", 132, "58",
                255, "255", 2, 50);
        Gen<Object> numbers = Gen.ints(-5, 300).map(i -> (Object) i);
        Gen<Object> hostile = Gen.elements(0, "0", -1, "-1", 256, "256", "006", "1e2", 6.0, 6.5, true, "", " ",
                "ipv6-icmp", "gre", "tcp;", "tcp -j ACCEPT", "icmpv6", List.of(), Map.of(), Long.MAX_VALUE,
                new BigInteger("123456789012345678901234567890"), " tcp ", "\u0442cp", "tcp\0");
        return Gen.frequency(6, valid, 2, numbers, 3, hostile, 1, Gen.anyUnicode(0, 10).map(s -> (Object) s));
    }

    /** Port values around every boundary, plus wrong JSON types. */
    public static Gen<Object> port() {
        Gen<Object> valid = Gen.frequency(3, Gen.ints(1, 65535), 2, Gen.elements(1, 22, 80, 443, 65535))
                .map(i -> (Object) i);
        Gen<Object> hostile = Gen.elements(0, -1, 65536, 70000, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
                "22", 22.5, 22.0, true, List.of(22), Map.of("p", 22), new BigInteger("99999999999999999999"));
        return Gen.frequency(7, valid, 3, hostile);
    }

    public static Gen<Object> icmpValue() {
        Gen<Object> valid = Gen.frequency(3, Gen.ints(-1, 255), 1, Gen.elements(-1, 0, 8, 128, 255))
                .map(i -> (Object) i);
        Gen<Object> hostile = Gen.elements(-2, 256, 1000, "8", 8.5, false, List.of(8));
        return Gen.frequency(8, valid, 2, hostile);
    }

    // ------------------------------------------------------------------ VM bodies

    /**
     * A VM body that is valid with high probability: unique devices and addresses, rules of every protocol with
     * fitting ports or ICMP values. Used where accepted VMs are wanted (the kernel test).
     */
    public static Gen<Map<String, Object>> validVm() {
        return r -> {
            Map<String, Object> vm = new LinkedHashMap<>();
            if (r.nextBoolean()) {
                vm.put("vmId", r.nextLong(0, Long.MAX_VALUE));
            }
            vm.put("seq", r.nextInt(4) == 0 ? r.nextLong(0, Long.MAX_VALUE) : r.nextInt(0, 1000));
            int nicCount = r.nextInt(8) == 0 ? r.nextInt(2, 5) : 1;
            Set<String> devices = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            List<Object> nics = new ArrayList<>();
            for (int i = 0; i < nicCount; i++) {
                String device = validDevice().filter(devices::add).next(r);
                Map<String, Object> nic = new LinkedHashMap<>();
                nic.put("device", device);
                nic.put("mac", validMac().next(r));
                nic.put("ipv4", uniqueList(validIpv4(), r.nextInt(0, 4), addresses, r));
                nic.put("ipv6", uniqueList(validIpv6(), r.nextInt(0, 4), addresses, r));
                nics.add(nic);
            }
            vm.put("nics", nics);
            vm.put("ingress", validRules(r));
            vm.put("egress", r.nextInt(3) == 0 ? List.of() : validRules(r));
            return vm;
        };
    }

    private static List<String> uniqueList(Gen<String> gen, int size, Set<String> seen, SplittableRandom r) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add(gen.filter(seen::add).next(r));
        }
        return out;
    }

    private static List<Object> validRules(SplittableRandom r) {
        int count = r.nextInt(6) == 0 ? r.nextInt(5, 30) : r.nextInt(0, 5);
        List<Object> rules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rules.add(validRule().next(r));
        }
        return rules;
    }

    public static Gen<Map<String, Object>> validRule() {
        return r -> {
            Map<String, Object> rule = new LinkedHashMap<>();
            Object protocol = Gen.elements("tcp", "udp", "icmp", "all", "TCP", 6, 17, 1, "47", 132, "58", 255, 2, 50,
                    "udp", "tcp").next(r);
            rule.put("protocol", protocol);
            String p = String.valueOf(protocol).toLowerCase(Locale.ROOT);
            boolean ports = p.equals("tcp") || p.equals("udp") || p.equals("6") || p.equals("17");
            boolean icmp = p.equals("icmp") || p.equals("1");
            if (ports && r.nextInt(4) != 0) {
                int start = r.nextInt(1, 65536);
                rule.put("portStart", start);
                if (r.nextBoolean()) {
                    rule.put("portEnd", r.nextInt(start, 65536));
                }
            }
            if (icmp && r.nextBoolean()) {
                int type = r.nextInt(-1, 256);
                rule.put("icmpType", type);
                if (type >= 0 && r.nextBoolean()) {
                    rule.put("icmpCode", r.nextInt(-1, 256));
                }
            }
            int cidrs = r.nextInt(10) == 0 ? r.nextInt(5, 40) : r.nextInt(1, 4);
            Set<String> seen = new HashSet<>();
            rule.put("cidrs", uniqueList(validCidr(), cidrs, seen, r));
            return rule;
        };
    }

    /** Any rule: valid fields mixed with hostile ones, wrong types, missing and unknown fields. */
    public static Gen<Object> rule() {
        Gen<Object> mutated = r -> {
            Map<String, Object> rule = new LinkedHashMap<>(validRule().next(r));
            int edits = r.nextInt(1, 4);
            for (int i = 0; i < edits; i++) {
                switch (r.nextInt(9)) {
                    case 0 -> rule.put("protocol", protocol().next(r));
                    case 1 -> rule.put("portStart", port().next(r));
                    case 2 -> rule.put("portEnd", port().next(r));
                    case 3 -> rule.put("icmpType", icmpValue().next(r));
                    case 4 -> rule.put("icmpCode", icmpValue().next(r));
                    case 5 -> rule.put("cidrs", Gen.lists(cidr(), 0, 5).next(r));
                    case 6 -> rule.remove(Gen.elements("protocol", "cidrs", "portStart").next(r));
                    case 7 -> rule.put(Gen.elements("cidr", "ports", "action", "jump").next(r), "ACCEPT");
                    default -> rule.put("cidrs", Gen.elements((Object) "0.0.0.0/0", null, 5, Map.of()).next(r));
                }
            }
            return rule;
        };
        return Gen.frequency(5, validRule().map(m -> (Object) m), 5, mutated, 1,
                Gen.elements((Object) null, "tcp", 5, List.of()));
    }

    /** Any VM body: a valid one with one to four hostile edits, or something that is not a VM at all. */
    public static Gen<Object> vm() {
        Gen<Object> mutated = r -> {
            Map<String, Object> vm = validVm().next(r);
            int edits = r.nextInt(1, 5);
            for (int i = 0; i < edits; i++) {
                mutate(vm, r);
            }
            return vm;
        };
        return Gen.frequency(3, validVm().map(m -> (Object) m), 8, mutated,
                1, Gen.elements((Object) null, List.of(), "vm", 42, Map.of()));
    }

    @SuppressWarnings("unchecked")
    private static void mutate(Map<String, Object> vm, SplittableRandom r) {
        List<Object> nics = vm.get("nics") instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
        Map<String, Object> nic = nics.isEmpty() || !(nics.get(0) instanceof Map<?, ?>) ? null
                : new LinkedHashMap<>((Map<String, Object>) nics.get(0));
        switch (r.nextInt(16)) {
            case 0 -> vm.put("seq", Gen.elements(-1, -1L << 40, "12", 1.5, true, null, Long.MAX_VALUE,
                    new BigInteger("99999999999999999999"), List.of(1)).next(r));
            case 1 -> vm.put("vmId", Gen.elements("7", -7, 7.5, false, List.of(), Long.MIN_VALUE).next(r));
            case 2 -> {
                if (nic != null) {
                    nic.put("device", device().next(r));
                }
            }
            case 3 -> {
                if (nic != null) {
                    nic.put("mac", mac().next(r));
                }
            }
            case 4 -> {
                if (nic != null) {
                    nic.put("ipv4", Gen.lists(ipv4(), 0, 4).next(r));
                }
            }
            case 5 -> {
                if (nic != null) {
                    nic.put("ipv6", Gen.lists(ipv6(), 0, 4).next(r));
                }
            }
            case 6 -> vm.put("ingress", Gen.lists(rule(), 0, 6).next(r));
            case 7 -> vm.put("egress", Gen.lists(rule(), 0, 6).next(r));
            case 8 -> vm.remove(Gen.elements("seq", "nics", "ingress", "egress").next(r));
            case 9 -> vm.put(Gen.elements("ingres", "rules", "name", "NICs", "__proto__", "").next(r), List.of());
            case 10 -> vm.put(Gen.elements("nics", "ingress", "egress").next(r),
                    Gen.elements((Object) null, "x", 5, Map.of("device", "vnet1"), List.of(List.of())).next(r));
            case 11 -> {
                if (nic != null) {
                    nics.add(new LinkedHashMap<>(nic));  // duplicate device and addresses
                }
            }
            case 12 -> {
                if (nic != null) {
                    nic.put(Gen.elements("ip", "ipv4s", "bridge", "vlan").next(r), "x");
                }
            }
            case 13 -> nics.add(Gen.elements((Object) null, "vnet1", 3, List.of()).next(r));
            case 14 -> {
                if (nic != null) {
                    nic.remove(Gen.elements("device", "mac").next(r));
                }
            }
            default -> nics.clear();
        }
        if (nic != null && !nics.isEmpty()) {
            nics.set(0, nic);
        }
        if (vm.containsKey("nics") && vm.get("nics") instanceof List<?>) {
            vm.put("nics", nics);
        }
    }

    // ------------------------------------------------------------------ raw text

    /** Text that is not a valid VM body: malformed, hostile or oversized JSON. */
    public static Gen<String> hostileJsonText() {
        Gen<String> nestedArrays = Gen.ints(1, 20_000).map(d -> "{\"seq\":1,\"nics\":" + "[".repeat(d) + "]".repeat(d)
                + "}");
        Gen<String> nestedObjects = Gen.ints(1, 5_000).map(d -> "{\"seq\":1,\"nics\":[" + "{\"a\":".repeat(d) + "1"
                + "}".repeat(d) + "]}");
        Gen<String> unbalanced = Gen.ints(1, 50_000).map("["::repeat);
        Gen<String> hugeNumbers = Gen.elements("{\"seq\":1e1000000}", "{\"seq\":" + "9".repeat(5000) + "}",
                "{\"seq\":-0}", "{\"seq\":NaN}", "{\"seq\":Infinity}", "{\"seq\":0x10}", "{\"seq\":1.0e2}",
                "{\"seq\":1,\"vmId\":" + "1".repeat(400) + "}");
        Gen<String> broken = Gen.elements("", "{", "}", "null", "[]", "\"vm\"", "42", "{\"seq\":1,}", "{'seq':1}",
                "{\"seq\":1 /* c */}", "{\"seq\":1}{\"seq\":2}", "{\"seq\":1,\"seq\":2,\"nics\":[]}", "\ufeff{\"seq\":1}",
                "{\"seq\":1,\"nics\":[{\"device\":\"vnet1\",\"mac\":\"02:00:00:00:00:01\",\"ipv4\":[\"10.0.0.1\"]}],"
                        + "\"ingress\":[{\"protocol\":\"tcp\",\"cidrs\":[\"0.0.0.0/0\"]}]",
                "{\"seq\":1,\"nics\":\"\\ud800\"}", "{\"seq\":1,\"nics\":[{\"device\":\"\\u0000\"}]}",
                "{\"seq\":true}", "{\"seq\":\"1\"}", "{\"\\u0000\":1}");
        Gen<String> longStrings = Gen.ints(1_000, 300_000).map(n -> "{\"seq\":1,\"nics\":[{\"device\":\""
                + "a".repeat(n) + "\",\"mac\":\"02:00:00:00:00:01\"}]}");
        Gen<String> manyElements = Gen.ints(1_001, 40_000).map(n -> {
            StringBuilder sb = new StringBuilder("{\"seq\":1,\"nics\":[{\"device\":\"vnet1\",\"mac\":\"02:00:00:00:00:01\"}],"
                    + "\"ingress\":[{\"protocol\":\"tcp\",\"cidrs\":[");
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : ",").append("\"10.").append((i >> 16) & 255).append('.')
                        .append((i >> 8) & 255).append('.').append(i & 255).append("/32\"");
            }
            return sb.append("]}]}").toString();
        });
        Gen<String> garbage = Gen.anyUnicode(0, 200);
        return Gen.frequency(2, nestedArrays, 2, nestedObjects, 1, unbalanced, 2, hugeNumbers, 3, broken,
                1, longStrings, 1, manyElements, 2, garbage);
    }

    /** A host-state body ({@code {"vms": {...}}}) of a few VMs, some hostile, keys from {@link #name()}. */
    public static Gen<Object> hostState() {
        Gen<Object> proper = r -> {
            Map<String, Object> vms = new LinkedHashMap<>();
            int n = r.nextInt(0, 6);
            for (int i = 0; i < n; i++) {
                vms.put(name().next(r), vm().next(r));
            }
            return Map.of("vms", vms);
        };
        return Gen.frequency(8, proper, 1, Gen.elements((Object) Map.of(), Map.of("vms", List.of()), List.of(),
                Map.of("vms", Map.of("web", "x")), Map.of("vms", Map.of(), "extra", 1)), 1, vm());
    }

    public static String json(Object tree) {
        return JSON.writeValueAsString(tree);
    }
}
