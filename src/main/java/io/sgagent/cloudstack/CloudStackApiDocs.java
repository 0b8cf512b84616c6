package io.sgagent.cloudstack;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The OpenAPI documentation of {@link CloudStackController}, kept apart so the controller reads in one screen.
 * Every command documents its refusals (problem+json, on which the client exits 1) with a real example.
 */
@Tag(name = "CloudStack", description = "Drop-in for CloudStack's security_group.py (called by the client script "
        + "cloudstack/security_group.py, not by people; see docs/cloudstack.md)")
interface CloudStackApiDocs {
    String JSON = MediaType.APPLICATION_JSON_VALUE;
    String PROBLEM = MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    /** The refusals every programming command can answer (on top of its 200). */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "400", description = "Invalid options; `errors` names each option (`--vmip`, "
            + "`rules[2]`)", content = @Content(mediaType = PROBLEM,
            examples = @ExampleObject(value = Examples.INVALID)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, examples = @ExampleObject(value = Examples.UNAUTHORIZED)))
    @ApiResponse(responseCode = "409", description = "A device, MAC or address another VM owns (...:host-conflict), "
            + "a device that is not a VM port (...:device-not-a-vm-port), or a VM too many (...:limit-exceeded)",
            content = @Content(mediaType = PROBLEM, examples = @ExampleObject(value = Examples.CONFLICT)))
    @ApiResponse(responseCode = "500", description = "Programmed, but the CloudStack view could not be stored "
            + "(...:cloudstack-view-not-stored); the next resync repairs it", content = @Content(mediaType = PROBLEM,
            examples = @ExampleObject(value = Examples.NOT_STORED)))
    @ApiResponse(responseCode = "503", description = "The kernel refused (...:apply-failed); the previous rules "
            + "stay in force", content = @Content(mediaType = PROBLEM,
            examples = @ExampleObject(value = Examples.APPLY_FAILED)))
    @interface Refusals {
    }

    @Operation(summary = "can_bridge_firewall", description = "At CloudStack agent start: the agent answers, so the "
            + "host can firewall; with `running`, also removes the rules of VMs libvirt no longer runs.")
    @ApiResponse(responseCode = "200", description = "Ready", content = @Content(mediaType = JSON,
            examples = @ExampleObject(value = Examples.READY)))
    @Refusals
    CloudStackAnswer canBridgeFirewall(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.CAN_BRIDGE))) CloudStackCall call);

    @Operation(summary = "default_network_rules", description = "Base rules of one NIC. `isFirstNic` resets the VM to "
            + "this NIC (and no rules until add_network_rules); `check` only makes sure the NIC is programmed. "
            + "`vif` must match sgagent.devices.pattern and, if it exists, be a tap or veth.")
    @ApiResponse(responseCode = "200", description = "Programmed (or already programmed)", content = @Content(
            mediaType = JSON, examples = @ExampleObject(value = Examples.DEFAULT_APPLIED)))
    @Refusals
    CloudStackAnswer defaultNetworkRules(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.DEFAULT_CALL))) CloudStackCall call);

    @Operation(summary = "add_network_rules", description = "The VM's rules (shared by all its NICs) from CloudStack's "
            + "rule string. Same (name, vmid, ip, domid, sig, seq) as programmed: `duplicate`, nothing written. Any "
            + "difference, a lower seq included, is programmed.")
    @ApiResponse(responseCode = "200", description = "Programmed, duplicate or unchanged", content = @Content(
            mediaType = JSON, examples = @ExampleObject(value = Examples.ADD_APPLIED)))
    @ApiResponse(responseCode = "404", description = "The VM has no NIC registered and the call names none "
            + "(...:cloudstack-unknown-vm)", content = @Content(mediaType = PROBLEM,
            examples = @ExampleObject(value = Examples.UNKNOWN_VM)))
    @Refusals
    CloudStackAnswer addNetworkRules(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.ADD_CALL))) CloudStackCall call);

    @Operation(summary = "destroy_network_rules_for_vm", description = "With only `vmname` (and `vif`): removes every "
            + "trace of the VM. With `vmip`, `vmmac` or `nicsecips`: removes that one NIC.")
    @ApiResponse(responseCode = "200", description = "Removed, or nothing to remove", content = @Content(
            mediaType = JSON, examples = @ExampleObject(value = Examples.REMOVED)))
    @Refusals
    CloudStackAnswer destroy(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.DESTROY_CALL))) CloudStackCall call);

    @Operation(summary = "network_rules_vmSecondaryIp", description = "`action` -A adds, -D removes the addresses in "
            + "`nicsecips` on the NIC with MAC `vmmac`.")
    @ApiResponse(responseCode = "200", description = "Programmed", content = @Content(mediaType = JSON,
            examples = @ExampleObject(value = Examples.SECONDARY_APPLIED)))
    @ApiResponse(responseCode = "404", description = "-A on a NIC the VM does not have (...:cloudstack-unknown-vm)",
            content = @Content(mediaType = PROBLEM, examples = @ExampleObject(value = Examples.UNKNOWN_NIC)))
    @Refusals
    CloudStackAnswer secondaryIp(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.SECONDARY_CALL))) CloudStackCall call);

    @Operation(summary = "cleanup_rules", description = "Removes the rules of every CloudStack VM not listed in "
            + "`running` (the domains libvirt runs or keeps paused).")
    @ApiResponse(responseCode = "200", description = "Swept", content = @Content(mediaType = JSON,
            examples = @ExampleObject(value = Examples.SWEPT)))
    @Refusals
    CloudStackAnswer cleanup(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.CLEANUP_CALL))) CloudStackCall call);

    @Operation(summary = "verify_network_rules", description = "Checks one NIC against what the agent programs; "
            + "`exitCode` 2: an address is missing, 3: the agent cannot program the kernel now, 4: the NIC's device "
            + "is missing, 5: the device has another MAC. The client prints nothing when it is 0.")
    @ApiResponse(responseCode = "200", description = "Checked; see exitCode", content = @Content(mediaType = JSON,
            examples = {@ExampleObject(name = "verified", value = Examples.VERIFIED),
                    @ExampleObject(name = "missing-addresses", value = Examples.MISSING)}))
    @Refusals
    CloudStackAnswer verify(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.VERIFY_CALL))) CloudStackCall call);

    @Operation(summary = "default_network_rules_systemvm", description = "Accepted and not acted on: sg-agent does not "
            + "filter system VMs; their traffic is left to the host's own rules. See docs/cloudstack.md.")
    @ApiResponse(responseCode = "200", description = "Accepted", content = @Content(mediaType = JSON,
            examples = @ExampleObject(value = Examples.SYSTEMVM)))
    @Refusals
    CloudStackAnswer systemVm(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.SYSTEMVM_CALL))) CloudStackCall call);

    @Operation(summary = "post_default_network_rules", description = "Accepted and not acted on: sg-agent does not "
            + "install the basic-zone metadata redirect (DNAT to the host). See docs/cloudstack.md.")
    @ApiResponse(responseCode = "200", description = "Accepted", content = @Content(mediaType = JSON,
            examples = @ExampleObject(value = Examples.POST_DEFAULT)))
    @Refusals
    CloudStackAnswer postDefault(@io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
            examples = @ExampleObject(value = Examples.POST_DEFAULT_CALL))) CloudStackCall call);

    @Operation(summary = "get_rule_logs_for_vms", description = "One line: `name,vmId,ip,domId,signature,seq` per "
            + "user VM (`i-*`) joined with `;`. A VM whose rules are not in force shows `_initial_,-1`, so CloudStack "
            + "resends them. The client keeps only the domains libvirt runs.")
    @ApiResponse(responseCode = "200", description = "The line", content = @Content(mediaType = "text/plain",
            schema = @Schema(type = "string", example = "i-2-7-VM,7,10.1.1.7,12,8d1c1ae6d5c5c1ad9b4f5b2e0d7a1c33,3;"
                    + "i-2-9-VM,9,10.1.1.9,-1,_initial_,-1")))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, examples = @ExampleObject(value = Examples.UNAUTHORIZED)))
    ResponseEntity<String> ruleLogs();

    @Operation(summary = "CloudStack views", description = "For operators: what the adapter has accumulated per VM "
            + "from CloudStack's calls, and whether it is in force.")
    @ApiResponse(responseCode = "200", description = "The views", content = @Content(mediaType = JSON,
            examples = @ExampleObject(value = Examples.VIEWS)))
    @ApiResponse(responseCode = "401", description = "Missing or wrong bearer token", content = @Content(
            mediaType = PROBLEM, examples = @ExampleObject(value = Examples.UNAUTHORIZED)))
    List<CloudStackController.ViewResponse> views();
}
