package io.sgagent.api;

import io.sgagent.model.Nic;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import tools.jackson.databind.annotation.JsonDeserialize;

/** One VM NIC, in requests and (normalised) in status responses. */
@Schema(name = "Nic", description = "A VM network interface. The first address of each family is the primary, "
        + "the rest are secondary; all are allowed as source and destination.",
        additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record NicDto(
        @Schema(description = "Host-side device (tap) name the VM's NIC is attached with; "
                + "[A-Za-z0-9][A-Za-z0-9_.-]*, at most 15 characters.", example = "vnet7",
                pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$", maxLength = 15, requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonDeserialize(using = StrictJson.StringDeserializer.class)
        String device,

        @Schema(description = "Unicast MAC address in colon form; returned lower-case.", example = "02:00:00:00:00:07",
                pattern = "^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$", requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonDeserialize(using = StrictJson.StringDeserializer.class)
        String mac,

        @ArraySchema(arraySchema = @Schema(description = "IPv4 host addresses (no prefix length); absent = none.",
                example = "[\"10.1.1.7\", \"10.1.1.70\"]"),
                schema = @Schema(example = "10.1.1.7"))
        @JsonDeserialize(contentUsing = StrictJson.StringDeserializer.class)
        List<String> ipv4,

        @ArraySchema(arraySchema = @Schema(description = "IPv6 host addresses (no prefix length); absent = none. "
                + "The MAC-derived link-local address is always allowed and need not be listed.",
                example = "[\"2001:db8::7\"]"),
                schema = @Schema(example = "2001:db8::7"))
        @JsonDeserialize(contentUsing = StrictJson.StringDeserializer.class)
        List<String> ipv6) {

    static NicDto from(Nic nic) {
        return new NicDto(nic.device(), nic.mac(),
                nic.ipv4().stream().map(a -> a.toCanonicalString()).toList(),
                nic.ipv6().stream().map(a -> a.toCanonicalString()).toList());
    }
}
