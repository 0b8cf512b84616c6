package io.sgagent.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sgagent.model.Cidr;
import io.sgagent.model.SgRule;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import tools.jackson.databind.annotation.JsonDeserialize;

/** One allow rule, in requests and (normalised) in status responses. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Rule", description = "An allow rule. Ports only for tcp/udp, icmpType/icmpCode only for icmp.",
        additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record RuleDto(
        @Schema(description = "tcp, udp, icmp (ICMPv6 for IPv6 CIDRs), all, or an IP protocol number 1-255 as a "
                + "string or a JSON number. 1, 6 and 17 are normalised to icmp, tcp and udp; 0 is rejected.",
                example = "tcp", types = {"string", "integer"}, requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonDeserialize(using = StrictJson.ProtocolDeserializer.class)
        String protocol,

        @Schema(description = "tcp/udp only: first port of the inclusive range, 1-65535. Both ports absent = all "
                + "ports; only portStart = that single port.", example = "22", minimum = "1", maximum = "65535",
                nullable = true)
        @JsonDeserialize(using = StrictJson.IntegerDeserializer.class)
        Integer portStart,

        @Schema(description = "tcp/udp only: last port of the inclusive range, 1-65535, >= portStart. Needs "
                + "portStart.", example = "22", minimum = "1", maximum = "65535", nullable = true)
        @JsonDeserialize(using = StrictJson.IntegerDeserializer.class)
        Integer portEnd,

        @Schema(description = "icmp only: ICMP (ICMPv6 for IPv6 CIDRs) type 0-255; -1 or absent = any.",
                example = "8", minimum = "-1", maximum = "255", nullable = true)
        @JsonDeserialize(using = StrictJson.IntegerDeserializer.class)
        Integer icmpType,

        @Schema(description = "icmp only: ICMP code 0-255; -1 or absent = any. Needs icmpType.", example = "-1",
                minimum = "-1", maximum = "255", nullable = true)
        @JsonDeserialize(using = StrictJson.IntegerDeserializer.class)
        Integer icmpCode,

        @ArraySchema(arraySchema = @Schema(description = "Remote networks this rule allows; at least one; IPv4 "
                + "and IPv6 may be mixed. A bare address means /32 or /128. Host bits must be zero.",
                example = "[\"0.0.0.0/0\", \"::/0\"]", requiredMode = Schema.RequiredMode.REQUIRED),
                minItems = 1, schema = @Schema(example = "10.0.0.0/8"))
        @JsonDeserialize(contentUsing = StrictJson.StringDeserializer.class)
        List<String> cidrs) {

    /**
     * The normalised request form of a model rule: protocol by its normalised name, ports spelled out
     * (all ports = 1-65535), "any" ICMP type/code as -1, canonical CIDR text.
     */
    static RuleDto from(SgRule rule) {
        Integer portStart = rule.ports() == null ? null : rule.ports().start();
        Integer portEnd = rule.ports() == null ? null : rule.ports().end();
        Integer icmpType = null;
        Integer icmpCode = null;
        if (rule.icmp() != null) {
            icmpType = rule.icmp().type() == null ? -1 : rule.icmp().type();
            icmpCode = rule.icmp().code() == null ? -1 : rule.icmp().code();
        }
        return new RuleDto(rule.protocol().name(), portStart, portEnd, icmpType, icmpCode,
                rule.cidrs().stream().map(Cidr::toString).toList());
    }
}
