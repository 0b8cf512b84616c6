package io.sgagent.api;

import io.sgagent.reconcile.SecurityGroupService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Conntrack pressure, for operators; Prometheus gets the same numbers as metrics. */
@RestController
@Tag(name = "Conntrack", description = "Connection-tracking pressure and notrack set sizes")
class ConntrackController {
    private final SecurityGroupService service;

    ConntrackController(SecurityGroupService service) {
        this.service = service;
    }

    @GetMapping(path = "/api/v1/conntrack", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getConntrack", summary = "Conntrack usage",
            description = "Current conntrack entries of the managed namespace, the "
            + "host-wide limit (nf_conntrack_max) and usage ratio, the number of addresses in each family's notrack "
            + "set, and the kernel's conntrack statistics summed over CPUs.")
    @ApiResponse(responseCode = "200", description = "Current numbers", content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = ConntrackResponse.class)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = VmApiDocs.PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @io.swagger.v3.oas.annotations.media.ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    ConntrackResponse conntrack() {
        return ConntrackResponse.from(service.conntrack());
    }
}
