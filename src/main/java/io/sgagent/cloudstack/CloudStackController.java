package io.sgagent.cloudstack;

import io.sgagent.cloudstack.CloudStackResult.Done;
import io.sgagent.cloudstack.CloudStackResult.Refused;
import io.sgagent.model.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server side of the CloudStack drop-in ({@code cloudstack/security_group.py}): one endpoint per command of
 * CloudStack's {@code security_group.py}, taking the command's options as JSON. Thin: the work is
 * {@link CloudStackAdapter}'s; here each result becomes one answer. Success (also "already done") is 200 with the
 * script's exit code in the body; refusals are problem+json (400 invalid options, 404 unknown VM/NIC, 409 conflict
 * with another VM or a limit, 503 kernel refused, 500 view not stored), on which the client exits 1.
 */
@RestController
@RequestMapping("/api/v1/cloudstack")
@Tag(name = "CloudStack", description = "Drop-in for CloudStack's security_group.py (called by the client script "
        + "cloudstack/security_group.py, not by people; see docs/cloudstack.md)")
class CloudStackController {
    private static final Logger log = LoggerFactory.getLogger(CloudStackController.class);
    private static final String TYPE_PREFIX = "urn:sgagent:problem:";
    private static final MediaType TEXT_UTF8 = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

    private final CloudStackAdapter adapter;
    private final ObjectProvider<HealthEndpoint> health;

    CloudStackController(CloudStackAdapter adapter, ObjectProvider<HealthEndpoint> health) {
        this.adapter = adapter;
        this.health = health;
    }

    @PostMapping(path = "/can_bridge_firewall", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "can_bridge_firewall", description = "At CloudStack agent start: the agent answers, so the "
            + "host can firewall; with `running`, also removes the rules of VMs libvirt no longer runs.")
    @ApiResponse(responseCode = "200", description = "Ready")
    CloudStackAnswer canBridgeFirewall(@RequestBody CloudStackCall call) {
        if (call.running() == null) {
            return answer("can_bridge_firewall", null, new Done("ready", "sg-agent is ready", null));
        }
        Done swept = done("can_bridge_firewall", null, adapter.cleanup(call.running()));
        return answer("can_bridge_firewall", null, new Done("ready", "sg-agent is ready; " + swept.message(), null));
    }

    @PostMapping(path = "/default_network_rules", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "default_network_rules", description = "Base rules of one NIC. `isFirstNic` resets the VM to "
            + "this NIC (and no rules until add_network_rules); `check` only makes sure the NIC is programmed.")
    @ApiResponse(responseCode = "200", description = "Programmed (or already programmed)")
    CloudStackAnswer defaultNetworkRules(@RequestBody CloudStackCall call) {
        return answer("default_network_rules", call.vmName(), adapter.defaultNetworkRules(call));
    }

    @PostMapping(path = "/add_network_rules", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "add_network_rules", description = "The VM's rules (shared by all its NICs) from CloudStack's "
            + "rule string. Same (name, vmid, ip, domid, sig, seq) as programmed: `duplicate`, nothing written. Any "
            + "difference, a lower seq included, is programmed.")
    @ApiResponse(responseCode = "200", description = "Programmed, duplicate or unchanged")
    CloudStackAnswer addNetworkRules(@RequestBody CloudStackCall call) {
        return answer("add_network_rules", call.vmName(), adapter.addNetworkRules(call));
    }

    @PostMapping(path = "/destroy_network_rules_for_vm", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "destroy_network_rules_for_vm", description = "With only `vmname` (and `vif`): removes every "
            + "trace of the VM. With `vmip`, `vmmac` or `nicsecips`: removes that one NIC.")
    @ApiResponse(responseCode = "200", description = "Removed, or nothing to remove")
    CloudStackAnswer destroy(@RequestBody CloudStackCall call) {
        return answer("destroy_network_rules_for_vm", call.vmName(), adapter.destroy(call));
    }

    @PostMapping(path = "/network_rules_vmSecondaryIp", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "network_rules_vmSecondaryIp", description = "`action` -A adds, -D removes the addresses in "
            + "`nicsecips` on the NIC with MAC `vmmac`.")
    @ApiResponse(responseCode = "200", description = "Programmed")
    CloudStackAnswer secondaryIp(@RequestBody CloudStackCall call) {
        return answer("network_rules_vmSecondaryIp", call.vmName(), adapter.secondaryIp(call));
    }

    @PostMapping(path = "/cleanup_rules", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "cleanup_rules", description = "Removes the rules of every CloudStack VM not listed in "
            + "`running` (the domains libvirt runs or keeps paused).")
    @ApiResponse(responseCode = "200", description = "Swept")
    CloudStackAnswer cleanup(@RequestBody CloudStackCall call) {
        if (call.running() == null) {
            throw InvalidInputException.of("running", "is required: the names of the domains libvirt runs");
        }
        return answer("cleanup_rules", null, adapter.cleanup(call.running()));
    }

    @PostMapping(path = "/verify_network_rules", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "verify_network_rules", description = "Checks one NIC against what the agent programs; "
            + "`exitCode` 2: an address is missing, 3: the agent cannot program the kernel now, 4: the NIC's device "
            + "is missing, 5: the device has another MAC.")
    @ApiResponse(responseCode = "200", description = "Checked; see exitCode")
    CloudStackAnswer verify(@RequestBody CloudStackCall call) {
        return answer("verify_network_rules", call.vmName(), adapter.verify(call, kernelReady()));
    }

    @PostMapping(path = "/default_network_rules_systemvm", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "default_network_rules_systemvm", description = "Accepted and not acted on: sg-agent does not "
            + "filter system VMs; their traffic is left to the host's own rules. See docs/cloudstack.md.")
    @ApiResponse(responseCode = "200", description = "Accepted")
    CloudStackAnswer systemVm(@RequestBody CloudStackCall call) {
        return answer("default_network_rules_systemvm", call.vmName(), new Done("accepted", "system VMs are not "
                + "filtered by sg-agent: nothing programmed for " + call.vmName(), null));
    }

    @PostMapping(path = "/post_default_network_rules", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "post_default_network_rules", description = "Accepted and not acted on: sg-agent does not "
            + "install the basic-zone metadata redirect (DNAT to the host). See docs/cloudstack.md.")
    @ApiResponse(responseCode = "200", description = "Accepted")
    CloudStackAnswer postDefault(@RequestBody CloudStackCall call) {
        return answer("post_default_network_rules", call.vmName(), new Done("accepted", "the metadata redirect is "
                + "not handled by sg-agent: nothing programmed for " + call.vmName(), null));
    }

    @GetMapping(path = "/get_rule_logs_for_vms", produces = MediaType.TEXT_PLAIN_VALUE)
    @Operation(summary = "get_rule_logs_for_vms", description = "One line: `name,vmId,ip,domId,signature,seq` per VM "
            + "joined with `;`. A VM whose rules are not in force shows `_initial_,-1`, so CloudStack resends them.")
    @ApiResponse(responseCode = "200", description = "The line", content = @Content(mediaType = "text/plain",
            schema = @Schema(type = "string", example = "i-2-7-VM,7,10.1.1.7,12,8d1c...,3;i-2-9-VM,9,10.1.1.9,-1,"
                    + "_initial_,-1")))
    ResponseEntity<String> ruleLogs() {
        return ResponseEntity.ok().contentType(TEXT_UTF8).body(adapter.ruleLogs() + "\n");
    }

    @GetMapping(path = "/vms", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "CloudStack views", description = "For operators: what the adapter has accumulated per VM "
            + "from CloudStack's calls, and whether it is in force.")
    List<ViewResponse> views() {
        return adapter.views().stream().map(v -> new ViewResponse(v, adapter.inForce(v.name()).orElse(false)))
                .toList();
    }

    /** One view as operators see it. */
    record ViewResponse(String name, long vmId, String domId, String ip, String sig, long seq, String rules,
                        List<CloudStackVm.CloudStackNic> nics, long agentSeq, boolean inForce) {
        ViewResponse(CloudStackVm v, boolean inForce) {
            this(v.name(), v.vmId(), v.domId(), v.ip(), v.sig(), v.seq(), v.rules(), v.nics(), v.agentSeq(), inForce);
        }
    }

    /** Readiness of the agent (netfilter health); true when no health endpoint is available. */
    private boolean kernelReady() {
        HealthEndpoint endpoint = health.getIfAvailable();
        if (endpoint == null) {
            return true;
        }
        HealthDescriptor readiness = endpoint.healthForPath("readiness");
        Status status = readiness == null ? endpoint.health().getStatus() : readiness.getStatus();
        return !Status.DOWN.equals(status) && !Status.OUT_OF_SERVICE.equals(status);
    }

    private static CloudStackAnswer answer(String command, String vmName, CloudStackResult result) {
        Done done = done(command, vmName, result);
        return new CloudStackAnswer(command, vmName, done.outcome(), done.exitCode(), done.message(), done.agentSeq());
    }

    private static Done done(String command, String vmName, CloudStackResult result) {
        if (result instanceof Done done) {
            log.debug("{} {}: {}", command, vmName, done.message());
            return done;
        }
        Refused refused = (Refused) result;
        log.warn("{} {} refused: {}", command, vmName, refused.message());
        throw switch (refused.reason()) {
            case UNKNOWN_VM -> problem(HttpStatus.NOT_FOUND, "cloudstack-unknown-vm", "Unknown VM or NIC",
                    refused.message());
            case CONFLICT -> problem(HttpStatus.CONFLICT, "host-conflict", "Conflict with another VM",
                    refused.message());
            case KERNEL_FAILED -> problem(HttpStatus.SERVICE_UNAVAILABLE, "apply-failed", "Kernel apply failed",
                    refused.message());
            case STORAGE_FAILED -> problem(HttpStatus.INTERNAL_SERVER_ERROR, "cloudstack-view-not-stored",
                    "CloudStack view not stored", refused.message());
        };
    }

    private static ErrorResponseException problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(URI.create(TYPE_PREFIX + type));
        body.setTitle(title);
        return new ErrorResponseException(status, body, null);
    }
}
