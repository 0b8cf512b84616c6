package io.sgagent.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sgagent.model.NormalisedRule;
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
     * The normalised request form of a model rule ({@link NormalisedRule}: the same form the stored state
     * document writes).
     */
    static RuleDto from(SgRule rule) {
        NormalisedRule n = NormalisedRule.of(rule);
        return new RuleDto(n.protocol(), n.portStart(), n.portEnd(), n.icmpType(), n.icmpCode(), n.cidrs());
    }
}
