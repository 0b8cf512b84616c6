package io.sgagent.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/** The OpenAPI documentation of {@link HostStateController}. */
@Tag(name = "Host state", description = "Replace the security-group state of every VM on this host")
interface HostStateApiDocs {
    @Operation(operationId = "replaceHostState", summary = "Replace the full host state",
            description = "Sets the desired state of every VM on this host in one transaction. VMs the agent has "
                    + "but the body does not list are removed (as by DELETE). Each VM obeys the same rules as "
                    + "`PUT /api/v1/vms/{name}`, including seq ordering and the device checks; if any VM is "
                    + "rejected (stale or reused seq, two VMs claiming one device or address) nothing is changed. "
                    + "`{\"vms\": {}}` removes every VM; a body without `vms` is rejected.")
    @ApiResponse(responseCode = "200", description = "Programmed; `removed` lists the VMs deleted",
            content = @Content(mediaType = VmApiDocs.JSON, schema = @Schema(implementation = HostStateResponse.class)))
    @ApiResponse(responseCode = "400", description = "Invalid body; fields are prefixed `vms[<name>].`",
            content = @Content(mediaType = VmApiDocs.PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = @ExampleObject(value = ApiExamples.INVALID_HOST_STATE)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = VmApiDocs.PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    @ApiResponse(responseCode = "409", description = "Rejected before any kernel write: `reasons` names each VM "
            + "(...:host-state-rejected); two VMs of the body claim one device, MAC or address (...:host-conflict); "
            + "a device exists and is not a VM port (...:device-not-a-vm-port)",
            content = @Content(mediaType = VmApiDocs.PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = {@ExampleObject(name = "host-state-rejected", value = ApiExamples.HOST_STATE_REJECTED),
                            @ExampleObject(name = "host-conflict", value = ApiExamples.HOST_CONFLICT_IN_BODY)}))
    @ApiResponse(responseCode = "413", description = "Body larger than sgagent.limits.max-host-state-body-size",
            content = @Content(mediaType = VmApiDocs.PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = @ExampleObject(value = ApiExamples.HOST_STATE_TOO_LARGE)))
    @ApiResponse(responseCode = "503", description = "The kernel refused; the previous rules stay in force",
            content = @Content(mediaType = VmApiDocs.PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = @ExampleObject(value = ApiExamples.APPLY_FAILED)))
    HostStateResponse replaceAll(
            @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    description = "Every VM of this host, keyed by name",
                    content = @Content(mediaType = VmApiDocs.JSON, schema = @Schema(implementation = HostStateRequest.class),
                            examples = @ExampleObject(name = "two VMs", value = ApiExamples.HOST_STATE_REQUEST)))
            HostStateRequest body);
}
