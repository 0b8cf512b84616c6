package io.sgagent.kernel;

import io.sgagent.testbed.Nic;
import io.sgagent.testbed.Vm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** Builds the JSON body of {@code PUT /api/v1/vms/{name}} for a testbed VM. */
public final class VmBody {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final long seq;
    private final List<Map<String, Object>> nics = new ArrayList<>();
    private final List<Map<String, Object>> ingress = new ArrayList<>();
    private final List<Map<String, Object>> egress = new ArrayList<>();

    private Integer conntrackLimit;

    private VmBody(long seq) {
        this.seq = seq;
    }

    /** A body with every NIC of the testbed VM, as the testbed created it. */
    public static VmBody of(Vm vm, long seq) {
        VmBody body = new VmBody(seq);
        for (Nic nic : vm.nics()) {
            body.nic(nic.hostDevice(), nic.mac(), nic.ipv4(), nic.ipv6());
        }
        return body;
    }

    public VmBody nic(String device, String mac, List<String> ipv4, List<String> ipv6) {
        Map<String, Object> nic = new LinkedHashMap<>();
        nic.put("device", device);
        nic.put("mac", mac);
        nic.put("ipv4", ipv4);
        nic.put("ipv6", ipv6);
        nics.add(nic);
        return this;
    }

    public VmBody ingress(Map<String, Object> rule) {
        ingress.add(rule);
        return this;
    }

    public VmBody egress(Map<String, Object> rule) {
        egress.add(rule);
        return this;
    }

    /** The VM's own conntrack quota (issue 12); null leaves the field out (host default). */
    public VmBody conntrackLimit(Integer limit) {
        this.conntrackLimit = limit;
        return this;
    }

    public String json() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("seq", seq);
        body.put("nics", nics);
        body.put("ingress", ingress);
        body.put("egress", egress);
        if (conntrackLimit != null) {
            body.put("conntrackLimit", conntrackLimit);
        }
        return JSON.writeValueAsString(body);
    }

    public static Map<String, Object> tcp(int from, int to, String... cidrs) {
        return ports("tcp", from, to, cidrs);
    }

    public static Map<String, Object> udp(int from, int to, String... cidrs) {
        return ports("udp", from, to, cidrs);
    }

    public static Map<String, Object> all(String... cidrs) {
        return rule("all", cidrs);
    }

    /** Any protocol by name or number, without ports. */
    public static Map<String, Object> rule(String protocol, String... cidrs) {
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("protocol", protocol);
        rule.put("cidrs", List.of(cidrs));
        return rule;
    }

    public static Map<String, Object> icmp(int type, int code, String... cidrs) {
        Map<String, Object> rule = rule("icmp", cidrs);
        rule.put("icmpType", type);
        rule.put("icmpCode", code);
        return rule;
    }

    private static Map<String, Object> ports(String protocol, int from, int to, String... cidrs) {
        Map<String, Object> rule = rule(protocol, cidrs);
        rule.put("portStart", from);
        rule.put("portEnd", to);
        return rule;
    }
}
