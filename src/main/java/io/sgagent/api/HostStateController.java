package io.sgagent.api;

import io.sgagent.config.SgAgentProperties;
import io.sgagent.model.HostState;
import io.sgagent.reconcile.ReplaceOutcome;
import io.sgagent.reconcile.SecurityGroupService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Comparator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The whole host at once: resynchronisation from the management plane. */
@RestController
@Tag(name = "Host state", description = "Replace the security-group state of every VM on this host")
class HostStateController {
    private static final Logger log = LoggerFactory.getLogger(HostStateController.class);
    private static final String PROBLEM = VmController.PROBLEM;

    private final SecurityGroupService service;
    private final SgAgentProperties.Limits limits;

    HostStateController(SecurityGroupService service, SgAgentProperties properties) {
        this.service = service;
        this.limits = properties.limits();
    }

    @PutMapping(path = "/api/v1/vms", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "replaceHostState", summary = "Replace the full host state",
            description = "Sets the desired state of every VM on this host in one transaction. VMs the agent has "
                    + "but the body does not list are removed (as by DELETE). Each VM obeys the same rules as "
                    + "`PUT /api/v1/vms/{name}`, including seq ordering; if any VM is rejected (stale or reused "
                    + "seq, two VMs claiming one device or address) nothing is changed. `{\"vms\": {}}` removes "
                    + "every VM; a body without `vms` is rejected.")
    @ApiResponse(responseCode = "200", description = "Programmed; `removed` lists the VMs deleted",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = HostStateResponse.class)))
    @ApiResponse(responseCode = "400", description = "Invalid body; fields are prefixed `vms[<name>].`",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "409", description = "Rejected before any kernel write; `reasons` names each VM",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "413", description = "Body larger than sgagent.limits.max-host-state-body-size",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "503", description = "The kernel refused; the previous rules stay in force",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = @ExampleObject(value = ApiExamples.APPLY_FAILED)))
    HostStateResponse replaceAll(
            @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    description = "Every VM of this host, keyed by name",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = HostStateRequest.class),
                            examples = @ExampleObject(name = "two VMs", value = ApiExamples.HOST_STATE_REQUEST)))
            @RequestBody HostStateRequest body) {
        HostState desired = VmRequestMapper.toHostState(body, limits);
        ReplaceOutcome outcome = service.replaceAll(desired);
        if (outcome instanceof ReplaceOutcome.Applied applied) {
            return new HostStateResponse(
                    applied.vms().stream().map(VmStatusResponse::from)
                            .sorted(Comparator.comparing(VmStatusResponse::name)).toList(),
                    applied.removed().stream().sorted().toList());
        } else if (outcome instanceof ReplaceOutcome.Rejected rejected) {
            throw Problems.rejected(rejected.reasons());
        } else if (outcome instanceof ReplaceOutcome.Failed failed) {
            log.warn("replacing the host state ({} VMs) failed: {}", desired.vms().size(), failed.message());
            throw Problems.kernelFailed(failed.message());
        }
        throw new IllegalStateException("unexpected outcome " + outcome);
    }
}
