package io.sgagent.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import inet.ipaddr.IPAddress;
import io.sgagent.model.Addresses;
import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.Nic;
import io.sgagent.model.NormalisedRule;
import io.sgagent.model.PortRange;
import io.sgagent.model.Protocol;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The on-disk form of one VM ({@code vms/<name>.json}, format 1). Deliberately private to this package and made
 * of plain strings and numbers, so that the file format does not change when a model record or an API DTO
 * does. Reading goes back through the model's constructors, {@link Addresses} and {@link Protocol#parse}: a
 * stored VM is validated exactly like a request, and a file that would not pass is reported as corrupt instead
 * of being programmed.
 *
 * <pre>{@code
 * { "format": 1, "name": "web-1", "vmId": 7, "seq": 12,
 *   "nics": [ { "device": "vnet7", "mac": "02:00:00:00:00:07", "ipv4": ["10.1.1.7"], "ipv6": ["2001:db8::7"] } ],
 *   "ingress": [ { "protocol": "tcp", "portStart": 22, "portEnd": 22, "cidrs": ["0.0.0.0/0", "::/0"] },
 *                { "protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["10.0.0.0/8"] } ],
 *   "egress": [ { "protocol": "all", "cidrs": ["0.0.0.0/0"] } ] }
 * }</pre>
 * Rules are written normalised: tcp/udp always with both ports (all ports = 1-65535), icmp always with type and
 * code (-1 = any), other protocols without either; protocol numbers other than 1, 6, 17 as their decimal text.
 */
@JsonPropertyOrder({"format", "name", "vmId", "seq", "nics", "ingress", "egress", "conntrackLimit"})
record VmDocument(Integer format, String name, Long vmId, Long seq, List<NicDocument> nics,
                  List<RuleDocument> ingress, List<RuleDocument> egress,
                  // Written only when the VM has its own quota (issue 12), so older files stay byte-identical.
                  @JsonInclude(JsonInclude.Include.NON_NULL) Integer conntrackLimit) {
    /** The only format this agent writes and reads. A later format needs a new reader, not a guess. */
    static final int FORMAT = 1;

    @JsonPropertyOrder({"device", "mac", "ipv4", "ipv6"})
    record NicDocument(String device, String mac, List<String> ipv4, List<String> ipv6) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"protocol", "portStart", "portEnd", "icmpType", "icmpCode", "cidrs"})
    record RuleDocument(String protocol, Integer portStart, Integer portEnd, Integer icmpType, Integer icmpCode,
                        List<String> cidrs) {
    }

    static VmDocument from(Vm vm) {
        return new VmDocument(FORMAT, vm.name(), vm.vmId(), vm.seq(),
                vm.nics().stream().map(VmDocument::nic).toList(),
                vm.ingress().stream().map(VmDocument::rule).toList(),
                vm.egress().stream().map(VmDocument::rule).toList(), vm.conntrackLimit());
    }

    private static NicDocument nic(Nic nic) {
        return new NicDocument(nic.device(), nic.mac(),
                nic.ipv4().stream().map(IPAddress::toCanonicalString).toList(),
                nic.ipv6().stream().map(IPAddress::toCanonicalString).toList());
    }

    /** The normalised form the API answers with too ({@link NormalisedRule}). */
    private static RuleDocument rule(SgRule rule) {
        NormalisedRule n = NormalisedRule.of(rule);
        return new RuleDocument(n.protocol(), n.portStart(), n.portEnd(), n.icmpType(), n.icmpCode(), n.cidrs());
    }

    /**
     * The model VM this document describes.
     *
     * @throws IllegalArgumentException naming the offending field when the document is not a valid VM of
     *                                  format {@value #FORMAT}
     */
    Vm toVm() {
        if (format == null) {
            throw new IllegalArgumentException("format is missing");
        }
        if (format != FORMAT) {
            throw new IllegalArgumentException("format " + format + " is not supported (this agent reads format "
                    + FORMAT + ")");
        }
        String vmName = require(name, "name");
        long vmSeq = require(seq, "seq");
        List<Nic> modelNics = new ArrayList<>();
        List<NicDocument> nicDocs = require(nics, "nics");
        for (int i = 0; i < nicDocs.size(); i++) {
            String path = "nics[" + i + "]";
            NicDocument doc = require(nicDocs.get(i), path);
            modelNics.add(at(path, () -> new Nic(require(doc.device(), "device"), require(doc.mac(), "mac"),
                    hosts(require(doc.ipv4(), "ipv4"), Family.IPV4, "ipv4"),
                    hosts(require(doc.ipv6(), "ipv6"), Family.IPV6, "ipv6"))));
        }
        List<SgRule> modelIngress = rules(require(ingress, "ingress"), "ingress");
        List<SgRule> modelEgress = rules(require(egress, "egress"), "egress");
        return at("vm", () -> new Vm(vmName, vmId, vmSeq, modelNics, modelIngress, modelEgress,
                conntrackLimit));
    }

    private static List<IPAddress> hosts(List<String> texts, Family family, String path) {
        List<IPAddress> result = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            result.add(at(path + "[" + i + "]", () -> Addresses.host(text, family)));
        }
        return result;
    }

    private static List<SgRule> rules(List<RuleDocument> docs, String path) {
        List<SgRule> result = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            String rulePath = path + "[" + i + "]";
            RuleDocument doc = require(docs.get(i), rulePath);
            result.add(at(rulePath, () -> rule(doc)));
        }
        return result;
    }

    private static SgRule rule(RuleDocument doc) {
        Protocol protocol = Protocol.parse(require(doc.protocol(), "protocol"));
        PortRange ports = null;
        if (doc.portStart() != null || doc.portEnd() != null) {
            ports = new PortRange(require(doc.portStart(), "portStart"), require(doc.portEnd(), "portEnd"));
        }
        IcmpMatch icmp = null;
        if (doc.icmpType() != null || doc.icmpCode() != null) {
            icmp = new IcmpMatch(anyToNull(doc.icmpType()), anyToNull(doc.icmpCode()));
        }
        List<String> texts = require(doc.cidrs(), "cidrs");
        List<Cidr> cidrs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            cidrs.add(at("cidrs[" + i + "]", () -> Addresses.cidr(text)));
        }
        return new SgRule(protocol, ports, icmp, cidrs);
    }

    private static Integer anyToNull(Integer value) {
        return value == null || value == -1 ? null : value;
    }

    private static <T> T require(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    /** Runs a model constructor or parser, prefixing its complaint with the JSON path it concerns. */
    private static <T> T at(String path, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }
}
