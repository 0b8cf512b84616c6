package io.sgagent.api;

import io.sgagent.config.SgAgentProperties;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.ConntrackQuotas;
import org.springframework.beans.factory.ObjectProvider;
import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import io.sgagent.reconcile.SecurityGroupService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * One VM at a time: desired state in, programmed state out. Thin: validation is {@link VmRequestMapper}'s, the
 * work is {@link SecurityGroupService}'s, and every expected outcome maps to exactly one status here.
 */
@RestController
@RequestMapping("/api/v1/vms")
@Tag(name = "VMs", description = "Security-group state of individual VMs")
class VmController {
    static final String PROBLEM = MediaType.APPLICATION_PROBLEM_JSON_VALUE;
    static final String NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";
    static final String NAME_DESCRIPTION = "VM name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters";
    private static final Logger log = LoggerFactory.getLogger(VmController.class);
    private static final MediaType TEXT_UTF8 = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

    private final SecurityGroupService service;
    private final SgAgentProperties.Limits limits;

    private final ObjectProvider<ConntrackQuotas> quotas;

    VmController(SecurityGroupService service, SgAgentProperties properties, ObjectProvider<ConntrackQuotas> quotas) {
        this.quotas = quotas;
        this.service = service;
        this.limits = properties.limits();
    }

    @PutMapping(path = "/{name}", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "putVm", summary = "Set the desired state of one VM",
            description = "Validates the body, compiles the VM's rules and programs the kernel atomically (one "
                    + "iptables-restore per family plus one ipset restore); answers when the rules are in force. "
                    + "`seq` must not decrease (B10): the same seq with identical content is a no-op that writes "
                    + "nothing, the same seq with different content is rejected. A VM whose ingress allows `all` "
                    + "from 0.0.0.0/0 (resp. ::/0) and whose egress of that family is open bypasses conntrack (B5).")
    @ApiResponse(responseCode = "200", description = "Programmed (or unchanged: same seq and content)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = VmStatusResponse.class),
                    examples = @ExampleObject(value = ApiExamples.VM_STATUS)))
    @ApiResponse(responseCode = "400", description = "Invalid body or name; `errors` lists every rejected field "
            + "by JSON path", content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.INVALID)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "409", description = "Stale seq (`type` ...:stale-seq), same seq with different "
            + "content (...:seq-reused), a device/address another VM on this host owns (...:host-conflict), or a "
            + "new VM on a host that already has sgagent.limits.vms-per-host VMs (...:limit-exceeded)",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
                    examples = @ExampleObject(value = ApiExamples.STALE_SEQ)))
    @ApiResponse(responseCode = "413", description = "Body larger than sgagent.limits.max-body-size", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "503", description = "The kernel refused the change; the previous rules stay in "
            + "force and nothing was stored. `detail` carries the tool's message.", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.APPLY_FAILED)))
    VmStatusResponse put(
            @Parameter(description = NAME_DESCRIPTION, example = "web-1",
                    schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64))
            @PathVariable String name,
            @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, description = "Desired state of the VM",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = VmRequest.class),
                            examples = {
                                    @ExampleObject(name = "web", summary = "SSH from anywhere, ping from 10/8, open egress",
                                            value = ApiExamples.VM_REQUEST),
                                    @ExampleObject(name = "allow-all", summary = "Allow-all VM: bypasses conntrack",
                                            value = ApiExamples.ALLOW_ALL_REQUEST)}))
            @RequestBody VmRequest body) {
        Vm vm = VmRequestMapper.toVm(name, body, limits);
        requireRoomFor(vm.name());
        PutOutcome outcome = service.put(vm);
        if (outcome instanceof PutOutcome.Applied applied) {
            return VmStatusResponse.from(applied.status());
        } else if (outcome instanceof PutOutcome.Unchanged unchanged) {
            return VmStatusResponse.from(unchanged.status());
        } else if (outcome instanceof PutOutcome.StaleSeq stale) {
            throw Problems.staleSeq(stale.requestedSeq(), stale.currentSeq());
        } else if (outcome instanceof PutOutcome.SeqReused reused) {
            throw Problems.seqReused(reused.seq());
        } else if (outcome instanceof PutOutcome.Conflict conflict) {
            throw Problems.conflict(conflict.message());
        } else if (outcome instanceof PutOutcome.Failed failed) {
            log.warn("applying VM {} seq {} failed: {}", vm.name(), vm.seq(), failed.message());
            throw Problems.kernelFailed(failed.message());
        }
        throw new IllegalStateException("unexpected outcome " + outcome);
    }

    /**
     * A new VM on a full host is refused before the service sees it. Two concurrent PUTs of new VMs can both pass
     * this check, so the limit can be overshot by the number of concurrent requests: it is a guard against runaway
     * clients, not an exact quota.
     */
    private void requireRoomFor(String name) {
        if (service.get(name).isPresent()) {
            return;
        }
        int count = service.list().size();
        if (count >= limits.vmsPerHost()) {
            throw Problems.limitExceeded("vms-per-host", limits.vmsPerHost(),
                    "this host already has " + count + " VMs; the limit is " + limits.vmsPerHost()
                            + " (sgagent.limits.vms-per-host)");
        }
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "listVms", summary = "List every VM",
            description = "The programmed state of every VM on this host, ordered "
            + "by name, as `{\"vms\": [...]}`. Reads never wait for a write in progress.")
    @ApiResponse(responseCode = "200", description = "All VMs", content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = VmListResponse.class)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    VmListResponse list() {
        return new VmListResponse(service.list().stream().map(VmStatusResponse::from)
                .sorted(java.util.Comparator.comparing(VmStatusResponse::name)).toList());
    }

    @GetMapping(path = "/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getVm", summary = "Get one VM",
            description = "The programmed state of one VM: its normalised desired "
            + "state, whether it bypasses conntrack per family, when it was applied, and the packets and bytes its "
            + "rules dropped (read from the kernel's rule counters), and its conntrack quota: limit, current tracked "
            + "entries (from a table census at most a few seconds old) and connections the quota refused.")
    @ApiResponse(responseCode = "200", description = "The VM", content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = VmStatusResponse.class),
            examples = @ExampleObject(value = ApiExamples.VM_STATUS)))
    @ApiResponse(responseCode = "400", description = "Invalid name", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "404", description = "No such VM", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.NOT_FOUND)))
    VmStatusResponse get(@Parameter(description = NAME_DESCRIPTION, example = "web-1",
            schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) @PathVariable String name) {
        VmRequestMapper.requireValidName(name);
        VmStatusResponse status = service.get(name).map(VmStatusResponse::from)
                .orElseThrow(() -> Problems.vmNotFound(name));
        status = status.withDropped(service.drops(name).orElse(null));
        // Issue 12: quota figures when the quota reader is wired (the real application; web tests have none).
        ConntrackQuotas quotas = this.quotas.getIfAvailable();
        if (quotas != null) {
            status = status.withConntrack(quotas.of(name).map(q -> new VmStatusResponse.Conntrack(q.limit(),
                    q.current(), q.refused())).orElse(null));
        }
        return status;
    }

    @DeleteMapping(path = "/{name}")
    @Operation(operationId = "deleteVm", summary = "Delete one VM",
            description = "Removes every trace of the VM (B7): its chains, rules, "
            + "set members (notrack sets too) and conntrack entries, so a new VM reusing its device or addresses "
            + "starts clean.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @ApiResponse(responseCode = "400", description = "Invalid name", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "404", description = "No such VM", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.NOT_FOUND)))
    @ApiResponse(responseCode = "503", description = "The kernel refused; the VM's rules stay in force and it stays "
            + "stored", content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.APPLY_FAILED)))
    ResponseEntity<Void> delete(@Parameter(description = NAME_DESCRIPTION, example = "web-1",
            schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) @PathVariable String name) {
        VmRequestMapper.requireValidName(name);
        DeleteOutcome outcome = service.delete(name);
        if (outcome instanceof DeleteOutcome.Deleted) {
            return ResponseEntity.noContent().build();
        } else if (outcome instanceof DeleteOutcome.NotFound) {
            throw Problems.vmNotFound(name);
        } else if (outcome instanceof DeleteOutcome.Failed failed) {
            log.warn("deleting VM {} failed: {}", name, failed.message());
            throw Problems.kernelFailed(failed.message());
        }
        throw new IllegalStateException("unexpected outcome " + outcome);
    }

    @GetMapping(path = "/{name}/ruleset", produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(operationId = "getVmRuleset", summary = "Get the compiled rules of one VM",
            description = "The rules the agent programs for this "
            + "VM, in iptables-save syntax: every table, both families, its ipsets and bridge rules. For reading "
            + "and debugging; the format is not a stable interface.")
    @ApiResponse(responseCode = "200", description = "The rules", content = @Content(
            mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string",
            example = "*filter\n:sg-vnet7-in - [0:0]\n-A sg-vnet7-in -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")))
    @ApiResponse(responseCode = "400", description = "Invalid name", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class)))
    @ApiResponse(responseCode = "404", description = "No such VM", content = @Content(
            mediaType = PROBLEM, schema = @Schema(implementation = ProblemSchema.class),
            examples = @ExampleObject(value = ApiExamples.NOT_FOUND)))
    ResponseEntity<String> ruleset(@Parameter(description = NAME_DESCRIPTION, example = "web-1",
            schema = @Schema(type = "string", pattern = NAME_PATTERN, maxLength = 64)) @PathVariable String name) {
        VmRequestMapper.requireValidName(name);
        String rules = service.ruleset(name).orElseThrow(() -> Problems.vmNotFound(name));
        return ResponseEntity.ok().contentType(TEXT_UTF8).body(rules);
    }
}
