package io.sgagent.api;

import io.sgagent.model.Vm;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The desired state of one VM, as the management plane sends it (DESIGN §3). Deliberately dumb: every field
 * is nullable and unchecked here so that {@link VmRequestMapper} can report all violations at once, each with
 * its JSON path, instead of Jackson stopping at the first.
 */
@Schema(name = "VmRequest", description = "Desired security-group state of one VM. The VM name is the path "
        + "variable (or the map key in a full host state).", additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record VmRequest(
        @Schema(description = "Optional numeric id of the VM in the management plane; echoed back, not interpreted.",
                example = "7", nullable = true)
        @JsonDeserialize(using = StrictJson.LongDeserializer.class)
        Long vmId,

        @Schema(description = "Version of this VM's state, monotonic per VM. A lower seq than the stored one "
                + "is rejected with 409; the same seq with identical content is a no-op; the same seq with "
                + "different content is rejected with 409.", example = "12", minimum = "0",
                requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonDeserialize(using = StrictJson.LongDeserializer.class)
        Long seq,

        @ArraySchema(arraySchema = @Schema(description = "The VM's network interfaces; at least one. Device names "
                + "and addresses must be unique within the VM (and on the host).",
                requiredMode = Schema.RequiredMode.REQUIRED), minItems = 1)
        List<NicDto> nics,

        @ArraySchema(arraySchema = @Schema(description = "Allow rules for traffic to the VM. Absent or empty: "
                + "only replies and infrastructure traffic reach the VM (DHCP replies, NDP, ARP)."))
        List<RuleDto> ingress,

        @ArraySchema(arraySchema = @Schema(description = "Allow rules for traffic from the VM. A family (IPv4/IPv6) "
                + "without any egress rule CIDR of that family is open for egress: absent or `[]` allows all egress. "
                + "To deny all egress, allow only something no VM packet can match, e.g. "
                + "`{\"protocol\": \"udp\", \"portStart\": 9, \"cidrs\": [\"127.0.0.1/32\", \"::1/128\"]}` "
                + "(loopback never crosses the bridge); DHCP, DNS and NDP stay allowed."))
        List<RuleDto> egress,

        // Issue 12: per-VM conntrack quota (VmQuota* / docs/ruleset.md "Conntrack quota").
        @Schema(description = "Most tracked connections this VM may take part in (as either end), counted per "
                + "family (IPv4 and IPv6 each). New connections beyond it are refused: TCP reset / ICMP "
                + "administratively prohibited towards senders that are VMs of this host, silently dropped "
                + "otherwise; established flows are never cut. Absent: the host default "
                + "(sgagent.conntrack.vm-limit); 0: no quota. Has no effect in a family in which the VM is "
                + "untracked (it allows all traffic both ways there and bypasses conntrack). At most "
                + Vm.CONNTRACK_LIMIT_MAX + ".", example = "20000", minimum = "0",
                maximum = "" + Vm.CONNTRACK_LIMIT_MAX, nullable = true)
        @JsonDeserialize(using = StrictJson.LongDeserializer.class)
        Long conntrackLimit) {

    /** A request without its own conntrack quota. */
    VmRequest(Long vmId, Long seq, List<NicDto> nics, List<RuleDto> ingress, List<RuleDto> egress) {
        this(vmId, seq, nics, ingress, egress, null);
    }
}
