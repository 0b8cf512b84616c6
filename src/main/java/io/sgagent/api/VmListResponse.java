package io.sgagent.api;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** {@code GET /api/v1/vms}: an object rather than a bare array, so fields can be added later. */
@Schema(name = "VmList", description = "Every VM the agent has programmed.")
record VmListResponse(
        @ArraySchema(arraySchema = @Schema(description = "Status of each VM, ordered by name.")) List<VmStatusResponse> vms) {
}
