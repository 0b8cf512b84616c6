package io.sgagent.api;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** {@code PUT /api/v1/vms}: the programmed state of every VM listed, and the VMs removed. */
@Schema(name = "HostState", description = "Result of replacing the host state.")
record HostStateResponse(
        @ArraySchema(arraySchema = @Schema(description = "Status of every VM of the new host state.")) List<VmStatusResponse> vms,
        @ArraySchema(arraySchema = @Schema(description = "Names of VMs that were removed because the request did "
                + "not list them."), schema = @Schema(example = "old-vm")) List<String> removed) {
}
