package io.sgagent.api;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;

/** The full desired state of the host ({@code PUT /api/v1/vms}). */
@Schema(name = "HostStateRequest", description = "Every VM this host should have, keyed by VM name. VMs the agent "
        + "has but this map does not list are removed. An empty map removes every VM; a missing map is rejected.",
        additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record HostStateRequest(
        @Schema(description = "VM name ([A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters) -> desired state.",
                requiredMode = Schema.RequiredMode.REQUIRED)
        Map<String, VmRequest> vms) {
}
