package io.sgagent.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The OpenAPI documentation of {@link VmController}, kept apart so the controller reads in one screen. springdoc
 * merges these annotations with the controller's Spring mappings (it looks up the interface methods).
 */
@Tag(name = "VMs", description = "Security-group state of individual VMs")
interface VmApiDocs {
    String JSON = MediaType.APPLICATION_JSON_VALUE;
    String PROBLEM = MediaType.APPLICATION_PROBLEM_JSON_VALUE;
    String NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";
    String NAME_DESCRIPTION = "VM name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters";

    @Operation(operationId = "putVm", summary = "Set the desired state of one VM",
            description = "Validates the body, compiles the VM's rules and programs the kernel atomically (one "
                    + "iptables-restore per family plus one ipset restore); answers when the rules are in force. "
                    + "`seq` must not decrease: the same seq with identical content is a no-op that writes "
                    + "nothing, the same seq with different content is rejected. Each NIC's `device` must match "
                    + "`sgagent.devices.pattern` (default `vnet*`, `tap*`, `vif*`) and, if it exists, be a tap or "
                    + "veth, not the host's bridge, uplink or `lo`. `\"egress\": []` (or no `egress`) allows all "
                    + "egress. A VM whose ingress allows `all` from 0.0.0.0/0 (resp. ::/0) and whose egress of that "
                    + "family is open bypasses conntrack.")
    @ApiResponse(responseCode = "200", description = "Programmed (or unchanged: same seq and content)",
            content = @Content(mediaType = JSON, schema = @Schema(implementation = VmStatusResponse.class),
                    examples = @ExampleObject(value = ApiExamples.VM_STATUS)))
    @ApiResponse(responseCode = "400", description = "Invalid body or name; `errors` lists every rejected field "
            + "by JSON path", content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = {@ExampleObject(name = "invalid-body", value = ApiExamples.INVALID),
                    @ExampleObject(name = "invalid-name", value = ApiExamples.INVALID_NAME),
                    @ExampleObject(name = "host-device", value = ApiExamples.INVALID_DEVICE)}))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    @ApiResponse(responseCode = "409", description = "Stale seq (`type` ...:stale-seq), same seq with different "
            + "content (...:seq-reused), a device, MAC or address another VM on this host owns (...:host-conflict, "
            + "`detail` names the owner), a device that exists and is not a VM port (...:device-not-a-vm-port), or "
            + "a new VM on a host that already has sgagent.limits.vms-per-host VMs (...:limit-exceeded)",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = {@ExampleObject(name = "stale-seq", value = ApiExamples.STALE_SEQ),
                            @ExampleObject(name = "seq-reused", value = ApiExamples.SEQ_REUSED),
                            @ExampleObject(name = "host-conflict", value = ApiExamples.HOST_CONFLICT),
                            @ExampleObject(name = "device-not-a-vm-port", value = ApiExamples.NOT_A_VM_PORT),
                            @ExampleObject(name = "limit-exceeded", value = ApiExamples.LIMIT_EXCEEDED)}))
    @ApiResponse(responseCode = "413", description = "Body larger than sgagent.limits.max-body-size", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.BODY_TOO_LARGE)))
    @ApiResponse(responseCode = "503", description = "The kernel refused the change; the previous rules stay in "
            + "force and nothing was stored. `detail` carries the tool's message.", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.APPLY_FAILED)))
    VmStatusResponse put(
            @Parameter(description = NAME_DESCRIPTION, example = "web-1",
                    schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) String name,
            @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, description = "Desired state of the VM",
                    content = @Content(mediaType = JSON, schema = @Schema(implementation = VmRequest.class),
                            examples = {
                                    @ExampleObject(name = "web", summary = "SSH from anywhere, ping from 10/8, open egress",
                                            value = ApiExamples.VM_REQUEST),
                                    @ExampleObject(name = "allow-all", summary = "Allow-all VM: bypasses conntrack",
                                            value = ApiExamples.ALLOW_ALL_REQUEST)}))
            VmRequest body);

    @Operation(operationId = "listVms", summary = "List every VM",
            description = "The programmed state of every VM on this host, ordered by name, as `{\"vms\": [...]}`. "
                    + "Reads never wait for a write in progress.")
    @ApiResponse(responseCode = "200", description = "All VMs", content = @Content(mediaType = JSON,
            schema = @Schema(implementation = VmListResponse.class),
            examples = @ExampleObject(value = ApiExamples.VM_LIST)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    VmListResponse list();

    @Operation(operationId = "getVm", summary = "Get one VM",
            description = "The programmed state of one VM: its normalised desired state, whether it bypasses "
                    + "conntrack per family, when it was applied, and the packets and bytes its rules dropped (read "
                    + "from the kernel's rule counters), and its conntrack quota: limit, current tracked entries (from a "
                    + "table census at most a few seconds old) and connections the quota refused.")
    @ApiResponse(responseCode = "200", description = "The VM", content = @Content(mediaType = JSON,
            schema = @Schema(implementation = VmStatusResponse.class),
            examples = @ExampleObject(value = ApiExamples.VM_DETAIL)))
    @ApiResponse(responseCode = "400", description = "Invalid name", content = @Content(mediaType = PROBLEM,
            schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.INVALID_NAME)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    @ApiResponse(responseCode = "404", description = "No such VM", content = @Content(mediaType = PROBLEM,
            schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.NOT_FOUND)))
    VmStatusResponse get(@Parameter(description = NAME_DESCRIPTION, example = "web-1",
            schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) String name);

    @Operation(operationId = "deleteVm", summary = "Delete one VM",
            description = "Removes every trace of the VM: its chains, rules, set members (notrack sets too) and "
                    + "conntrack entries, so a new VM reusing its device or addresses starts clean.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @ApiResponse(responseCode = "400", description = "Invalid name", content = @Content(mediaType = PROBLEM,
            schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.INVALID_NAME)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    @ApiResponse(responseCode = "404", description = "No such VM", content = @Content(mediaType = PROBLEM,
            schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.NOT_FOUND)))
    @ApiResponse(responseCode = "503", description = "The kernel refused; the VM's rules stay in force and it stays "
            + "stored", content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.APPLY_FAILED)))
    ResponseEntity<Void> delete(@Parameter(description = NAME_DESCRIPTION, example = "web-1",
            schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) String name);

    @Operation(operationId = "getVmRuleset", summary = "Get the compiled rules of one VM",
            description = "The rules the agent programs for this VM, in iptables-save syntax: every table, both "
                    + "families, its ipsets and bridge rules. For reading and debugging; the format is not a stable "
                    + "interface.")
    @ApiResponse(responseCode = "200", description = "The rules", content = @Content(
            mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string",
            example = "*filter\n:sg-vnet7-in - [0:0]\n-A sg-vnet7-in -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")))
    @ApiResponse(responseCode = "400", description = "Invalid name", content = @Content(mediaType = PROBLEM,
            schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.INVALID_NAME)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.UNAUTHORIZED)))
    @ApiResponse(responseCode = "404", description = "No such VM", content = @Content(mediaType = PROBLEM,
            schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.NOT_FOUND)))
    ResponseEntity<String> ruleset(@Parameter(description = NAME_DESCRIPTION, example = "web-1",
            schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) String name);
}
