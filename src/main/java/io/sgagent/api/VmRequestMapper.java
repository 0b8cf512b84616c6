package io.sgagent.api;

import inet.ipaddr.IPAddress;
import io.sgagent.api.common.DevicePolicy;
import io.sgagent.config.SgAgentProperties.Limits;
import io.sgagent.model.Addresses;
import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.InvalidInputException.Violation;
import io.sgagent.model.Nic;
import io.sgagent.model.PortRange;
import io.sgagent.model.Protocol;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Request DTOs to model records. Checks every field before constructing anything, so that one 400 lists every
 * violation with its JSON path ({@code nics[0].mac}, {@code ingress[2].cidrs[1]}, {@code vms[web-1].seq}), and
 * uses the model's own parsers ({@link Addresses}, {@link Protocol#parse}) so that the API and the model can never
 * disagree about what is valid. Counts beyond the configured {@link Limits} are violations too, checked before the
 * elements are looked at, so an oversized list costs one violation and no parsing. Stateless and thread-safe.
 */
final class VmRequestMapper {
    private static final String NULL_ELEMENT = "must not be null";
    /** From this many VMs on, a full host state is mapped in parallel; below, the fork costs more than it saves. */
    private static final int PARALLEL_FROM = 64;

    /** One VM of a full host state: the VM, or null with its violations. */
    private record Mapped(Vm vm, List<Violation> violations) {
    }

    private VmRequestMapper() {
    }

    /** One VM, {@code name} being the path variable, with the default limits and device pattern. */
    static Vm toVm(String name, VmRequest request) {
        return toVm(name, request, Limits.defaults(), DevicePolicy.nameOnly());
    }

    /** One VM, {@code name} being the path variable. */
    static Vm toVm(String name, VmRequest request, Limits limits, DevicePolicy devices) {
        List<Violation> violations = new ArrayList<>();
        Vm vm = map(name, request, "", "name", new Context(limits, devices), violations);
        if (!violations.isEmpty()) {
            throw new InvalidInputException(violations);
        }
        return vm;
    }

    /**
     * The full host state. Cross-VM conflicts (two VMs claiming one device or address) are not checked here:
     * {@link HostState}'s constructor throws {@link HostState.HostConflictException} for those, which the API
     * answers with 409 like the service's own conflicts.
     */
    static HostState toHostState(HostStateRequest request) {
        return toHostState(request, Limits.defaults(), DevicePolicy.nameOnly());
    }

    static HostState toHostState(HostStateRequest request, Limits limits, DevicePolicy devices) {
        List<Violation> violations = new ArrayList<>();
        if (request.vms() == null) {
            throw InvalidInputException.of("vms", "is required (an empty object removes every VM)");
        }
        String tooMany = tooMany(request.vms().size(), limits.vmsPerHost(), "VMs", "vms-per-host");
        if (tooMany != null) {
            throw InvalidInputException.of("vms", tooMany);
        }
        // Each VM is mapped on its own (pure: parsing, limits, the device name pattern), so a large sync maps its
        // VMs on every core: a cold 1000-VM sync spent ~0.4 s here on one. The results keep the request's order.
        Context context = new Context(limits, devices);
        List<Map.Entry<String, VmRequest>> entries = new ArrayList<>(request.vms().entrySet());
        Stream<Map.Entry<String, VmRequest>> stream = entries.size() >= PARALLEL_FROM ? entries.parallelStream()
                : entries.stream();
        List<Mapped> mapped = stream.map(entry -> {
            String prefix = "vms[" + entry.getKey() + "]";
            List<Violation> own = new ArrayList<>();
            return new Mapped(map(entry.getKey(), entry.getValue(), prefix + ".", prefix, context, own), own);
        }).toList();
        TreeMap<String, Vm> vms = new TreeMap<>();
        for (Mapped one : mapped) {
            violations.addAll(one.violations());
            if (one.vm() != null) {
                vms.put(one.vm().name(), one.vm());
            }
        }
        if (!violations.isEmpty()) {
            throw new InvalidInputException(violations);
        }
        return new HostState(vms);
    }

    /** Validates a VM name given as a path variable; throws a 400-worthy exception naming {@code name}. */
    static String requireValidName(String name) {
        String problem = nameProblem(name);
        if (problem != null) {
            throw InvalidInputException.of("name", problem);
        }
        return name;
    }

    private static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "is required";
        }
        if (!Vm.isValidName(name)) {
            return "must match " + Vm.NAME_PATTERN + " and be at most " + Vm.NAME_MAX + " characters";
        }
        return null;
    }

    /**
     * What a mapping is checked against besides the model's own rules, and the rules it has already mapped: VMs of
     * one security group carry the same rules, so a host state of 1000 such VMs parses each distinct rule (its
     * CIDRs above all) once, and the VMs share one {@link SgRule} per distinct rule. Thread-safe: the VMs of a
     * large host state are mapped in parallel.
     */
    private record Context(Limits limits, DevicePolicy devices, Map<RuleDto, SgRule> mappedRules) {
        Context(Limits limits, DevicePolicy devices) {
            this(limits, devices, new ConcurrentHashMap<>());
        }
    }

    /** Returns the VM, or null after adding at least one violation. */
    private static Vm map(String name, VmRequest request, String prefix, String nameField, Context context,
                          List<Violation> out) {
        Limits limits = context.limits();
        int before = out.size();
        String nameProblem = nameProblem(name);
        if (nameProblem != null) {
            out.add(new Violation(nameField, nameProblem));
        }
        if (request == null) {
            out.add(new Violation(prefix.isEmpty() ? "body" : stripDot(prefix), "a VM body is required"));
            return null;
        }
        if (request.seq() == null) {
            out.add(new Violation(prefix + "seq", "is required"));
        } else if (request.seq() < 0) {
            out.add(new Violation(prefix + "seq", "must be >= 0"));
        }

        List<Nic> nics = new ArrayList<>();
        String tooManyNics = request.nics() == null ? null
                : tooMany(request.nics().size(), limits.nicsPerVm(), "NICs", "nics-per-vm");
        if (request.nics() == null || request.nics().isEmpty()) {
            out.add(new Violation(prefix + "nics", "at least one NIC is required"));
        } else if (tooManyNics != null) {
            out.add(new Violation(prefix + "nics", tooManyNics));
        } else {
            Set<String> devices = new HashSet<>();
            Set<IPAddress> addresses = new HashSet<>();
            for (int i = 0; i < request.nics().size(); i++) {
                Nic nic = nic(request.nics().get(i), prefix + "nics[" + i + "]", devices, addresses, context, out);
                if (nic != null) {
                    nics.add(nic);
                }
            }
        }
        List<SgRule> ingress = rules(request.ingress(), prefix + "ingress", context, out);
        List<SgRule> egress = rules(request.egress(), prefix + "egress", context, out);
        Long limit = request.conntrackLimit();
        if (limit != null && (limit < 0 || limit > Vm.CONNTRACK_LIMIT_MAX)) {
            out.add(new Violation(prefix + "conntrackLimit", "must be between 0 (no quota) and "
                    + Vm.CONNTRACK_LIMIT_MAX + "; omit it for the host default"));
        }

        if (out.size() != before) {
            return null;
        }
        Set<String> macs = new java.util.HashSet<>();
        for (int i = 0; i < nics.size(); i++) {
            if (nics.get(i) != null && !macs.add(nics.get(i).mac())) {
                out.add(new Violation(prefix + "nics[" + i + "].mac", "mac " + nics.get(i).mac()
                        + " appears twice in this VM"));
                return null;
            }
        }
        try {
            return new Vm(name, request.vmId(), request.seq(), nics, ingress, egress,
                    limit == null ? null : limit.intValue());
        } catch (IllegalArgumentException e) {
            // Unreachable while the checks above mirror the model's; kept so a new model invariant is a 400.
            out.add(new Violation(prefix.isEmpty() ? "body" : stripDot(prefix), e.getMessage()));
            return null;
        }
    }

    private static Nic nic(NicDto dto, String path, Set<String> devices, Set<IPAddress> vmAddresses,
                           Context context, List<Violation> out) {
        Limits limits = context.limits();
        if (dto == null) {
            out.add(new Violation(path, NULL_ELEMENT));
            return null;
        }
        int before = out.size();
        String device = dto.device();
        if (device == null || device.isEmpty()) {
            out.add(new Violation(path + ".device", "is required"));
        } else if (!Nic.isValidDevice(device)) {
            out.add(new Violation(path + ".device", "must match " + Nic.DEVICE_PATTERN + " and be at most "
                    + Nic.DEVICE_MAX + " characters"));
        } else if (context.devices().nameProblem(device) != null) {
            out.add(new Violation(path + ".device", context.devices().nameProblem(device)));
        } else if (!devices.add(device)) {
            out.add(new Violation(path + ".device", "device " + device + " appears twice in this VM"));
        }

        String mac = null;
        if (dto.mac() == null) {
            out.add(new Violation(path + ".mac", "is required"));
        } else {
            try {
                mac = Addresses.mac(dto.mac());
            } catch (IllegalArgumentException e) {
                out.add(new Violation(path + ".mac", e.getMessage()));
            }
        }
        List<IPAddress> ipv4 = addresses(dto.ipv4(), Family.IPV4, path + ".ipv4", vmAddresses, limits, out);
        List<IPAddress> ipv6 = addresses(dto.ipv6(), Family.IPV6, path + ".ipv6", vmAddresses, limits, out);
        if (out.size() != before) {
            return null;
        }
        try {
            return new Nic(device, mac, ipv4, ipv6);
        } catch (IllegalArgumentException | NullPointerException e) {
            out.add(new Violation(path, String.valueOf(e.getMessage())));
            return null;
        }
    }

    private static List<IPAddress> addresses(List<String> texts, Family family, String path,
                                             Set<IPAddress> vmAddresses, Limits limits, List<Violation> out) {
        List<IPAddress> result = new ArrayList<>();
        if (texts == null) {
            return result;
        }
        String tooMany = tooMany(texts.size(), limits.addressesPerNic(),
                (family == Family.IPV4 ? "IPv4" : "IPv6") + " addresses", "addresses-per-nic");
        if (tooMany != null) {
            out.add(new Violation(path, tooMany));
            return result;
        }
        for (int i = 0; i < texts.size(); i++) {
            String field = path + "[" + i + "]";
            String text = texts.get(i);
            if (text == null) {
                out.add(new Violation(field, NULL_ELEMENT));
                continue;
            }
            try {
                IPAddress address = Addresses.host(text, family);
                if (!vmAddresses.add(address)) {
                    out.add(new Violation(field, "address " + address.toCanonicalString()
                            + " appears twice in this VM"));
                } else {
                    result.add(address);
                }
            } catch (IllegalArgumentException e) {
                out.add(new Violation(field, e.getMessage()));
            }
        }
        return result;
    }

    private static List<SgRule> rules(List<RuleDto> dtos, String path, Context context, List<Violation> out) {
        Limits limits = context.limits();
        List<SgRule> rules = new ArrayList<>();
        if (dtos == null) {
            return rules;
        }
        String tooMany = tooMany(dtos.size(), limits.rulesPerDirection(), "rules", "rules-per-direction");
        if (tooMany != null) {
            out.add(new Violation(path, tooMany));
            return rules;
        }
        for (int i = 0; i < dtos.size(); i++) {
            RuleDto dto = dtos.get(i);
            int index = i;
            // Only rules without violations are kept (a violation names its field, so it is reported each time).
            SgRule rule = dto == null ? rule(null, path + "[" + i + "]", limits, out)
                    : context.mappedRules().computeIfAbsent(dto, d -> rule(d, path + "[" + index + "]", limits, out));
            if (rule != null) {
                rules.add(rule);
            }
        }
        return rules;
    }

    private static SgRule rule(RuleDto dto, String path, Limits limits, List<Violation> out) {
        if (dto == null) {
            out.add(new Violation(path, NULL_ELEMENT));
            return null;
        }
        int before = out.size();
        Protocol protocol = null;
        if (dto.protocol() == null) {
            out.add(new Violation(path + ".protocol", "is required: tcp, udp, icmp, all or a number 1-255"));
        } else {
            try {
                protocol = Protocol.parse(dto.protocol());
            } catch (IllegalArgumentException e) {
                out.add(new Violation(path + ".protocol", e.getMessage()));
            }
        }
        PortRange ports = ports(dto, protocol, path, out);
        IcmpMatch icmp = icmp(dto, protocol, path, out);
        List<Cidr> cidrs = cidrs(dto.cidrs(), path + ".cidrs", limits, out);
        if (out.size() != before) {
            return null;
        }
        try {
            return new SgRule(protocol, ports, icmp, cidrs);
        } catch (IllegalArgumentException e) {
            out.add(new Violation(path, e.getMessage()));
            return null;
        }
    }

    /** Null when the rule has no ports (all ports for tcp/udp) or after a violation. */
    private static PortRange ports(RuleDto dto, Protocol protocol, String path, List<Violation> out) {
        Integer start = dto.portStart();
        Integer end = dto.portEnd();
        if (start == null && end == null) {
            return null;
        }
        if (protocol != null && !protocol.hasPorts()) {
            out.add(new Violation(path + (start != null ? ".portStart" : ".portEnd"),
                    "ports are only allowed for tcp and udp rules, not " + protocol.name()));
            return null;
        }
        if (start == null) {
            out.add(new Violation(path + ".portEnd", "portEnd needs portStart"));
            return null;
        }
        boolean ok = true;
        if (start < 1 || start > 65535) {
            out.add(new Violation(path + ".portStart", "port " + start + " is outside 1-65535"));
            ok = false;
        }
        if (end != null && (end < 1 || end > 65535)) {
            out.add(new Violation(path + ".portEnd", "port " + end + " is outside 1-65535"));
            ok = false;
        }
        int last = end == null ? start : end;
        if (ok && start > last) {
            out.add(new Violation(path + ".portStart", "portStart " + start + " is greater than portEnd " + last));
            ok = false;
        }
        return ok ? new PortRange(start, last) : null;
    }

    /**
     * Null for non-icmp rules and after a violation. -1 means "any" everywhere; on a non-icmp rule it is
     * accepted as a no-op (the model does the same), any other value there is an error.
     */
    private static IcmpMatch icmp(RuleDto dto, Protocol protocol, String path, List<Violation> out) {
        Integer type = anyToNull(dto.icmpType());
        Integer code = anyToNull(dto.icmpCode());
        if (protocol != null && !protocol.isIcmp()) {
            if (type != null || code != null) {
                out.add(new Violation(path + (type != null ? ".icmpType" : ".icmpCode"),
                        "icmpType/icmpCode are only allowed for icmp rules, not " + protocol.name()));
            }
            return null;
        }
        boolean ok = true;
        if (type != null && (type < 0 || type > 255)) {
            out.add(new Violation(path + ".icmpType", "icmpType " + type + " is outside 0-255 (-1 = any)"));
            ok = false;
        }
        if (code != null && (code < 0 || code > 255)) {
            out.add(new Violation(path + ".icmpCode", "icmpCode " + code + " is outside 0-255 (-1 = any)"));
            ok = false;
        }
        if (ok && type == null && code != null) {
            out.add(new Violation(path + ".icmpCode", "icmpCode needs an icmpType"));
            ok = false;
        }
        return ok && protocol != null ? new IcmpMatch(type, code) : null;
    }

    private static Integer anyToNull(Integer value) {
        return value == null || value == -1 ? null : value;
    }

    private static List<Cidr> cidrs(List<String> texts, String path, Limits limits, List<Violation> out) {
        List<Cidr> cidrs = new ArrayList<>();
        if (texts == null || texts.isEmpty()) {
            out.add(new Violation(path, "at least one CIDR is required (0.0.0.0/0 or ::/0 for anywhere)"));
            return cidrs;
        }
        String tooMany = tooMany(texts.size(), limits.cidrsPerRule(), "CIDRs", "cidrs-per-rule");
        if (tooMany != null) {
            out.add(new Violation(path, tooMany));
            return cidrs;
        }
        for (int i = 0; i < texts.size(); i++) {
            String field = path + "[" + i + "]";
            if (texts.get(i) == null) {
                out.add(new Violation(field, NULL_ELEMENT));
                continue;
            }
            try {
                cidrs.add(Addresses.cidr(texts.get(i)));
            } catch (IllegalArgumentException e) {
                out.add(new Violation(field, e.getMessage()));
            }
        }
        return cidrs;
    }

    /** The message for a list beyond its limit, naming the property that sets it; null within the limit. */
    static String tooMany(int count, int max, String what, String property) {
        if (count <= max) {
            return null;
        }
        return count + " " + what + " exceed the limit of " + max + " (sgagent.limits." + property + ")";
    }

    private static String stripDot(String prefix) {
        return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
