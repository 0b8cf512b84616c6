package io.sgagent.cloudstack;

import io.sgagent.api.common.OutcomeProblems;
import io.sgagent.cloudstack.CloudStackResult.Done;
import io.sgagent.cloudstack.CloudStackResult.Refused;
import io.sgagent.model.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server side of the CloudStack drop-in ({@code cloudstack/security_group.py}): one endpoint per command of
 * CloudStack's {@code security_group.py}, taking the command's options as JSON. Thin: the work is
 * {@link CloudStackAdapter}'s; success (also "already done") is 200 with the script's exit code in the body, a
 * refusal is its problem (shared types, {@link io.sgagent.api.common.ProblemType}), on which the client exits 1.
 * OpenAPI text in {@link CloudStackApiDocs}.
 */
@RestController
@RequestMapping(path = "/api/v1/cloudstack", produces = CloudStackApiDocs.JSON)
class CloudStackController implements CloudStackApiDocs {
    private static final Logger log = LoggerFactory.getLogger(CloudStackController.class);
    private static final MediaType TEXT_UTF8 = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

    private final CloudStackAdapter adapter;
    private final ObjectProvider<HealthEndpoint> health;

    CloudStackController(CloudStackAdapter adapter, ObjectProvider<HealthEndpoint> health) {
        this.adapter = adapter;
        this.health = health;
    }

    @Override
    @PostMapping(path = "/can_bridge_firewall", consumes = JSON)
    public CloudStackAnswer canBridgeFirewall(@RequestBody CloudStackCall call) {
        String swept = call.running() == null ? ""
                : "; " + done("can_bridge_firewall", null, adapter.cleanup(call.running())).message();
        return answer("can_bridge_firewall", null, new Done("ready", "sg-agent is ready" + swept, null));
    }

    @Override
    @PostMapping(path = "/default_network_rules", consumes = JSON)
    public CloudStackAnswer defaultNetworkRules(@RequestBody CloudStackCall call) {
        return answer("default_network_rules", call.vmName(), adapter.defaultNetworkRules(call));
    }

    @Override
    @PostMapping(path = "/add_network_rules", consumes = JSON)
    public CloudStackAnswer addNetworkRules(@RequestBody CloudStackCall call) {
        return answer("add_network_rules", call.vmName(), adapter.addNetworkRules(call));
    }

    @Override
    @PostMapping(path = "/destroy_network_rules_for_vm", consumes = JSON)
    public CloudStackAnswer destroy(@RequestBody CloudStackCall call) {
        return answer("destroy_network_rules_for_vm", call.vmName(), adapter.destroy(call));
    }

    @Override
    @PostMapping(path = "/network_rules_vmSecondaryIp", consumes = JSON)
    public CloudStackAnswer secondaryIp(@RequestBody CloudStackCall call) {
        return answer("network_rules_vmSecondaryIp", call.vmName(), adapter.secondaryIp(call));
    }

    @Override
    @PostMapping(path = "/cleanup_rules", consumes = JSON)
    public CloudStackAnswer cleanup(@RequestBody CloudStackCall call) {
        if (call.running() == null) {
            throw InvalidInputException.of("running", "is required: the names of the domains libvirt runs");
        }
        return answer("cleanup_rules", null, adapter.cleanup(call.running()));
    }

    @Override
    @PostMapping(path = "/verify_network_rules", consumes = JSON)
    public CloudStackAnswer verify(@RequestBody CloudStackCall call) {
        return answer("verify_network_rules", call.vmName(), adapter.verify(call, kernelReady()));
    }

    @Override
    @PostMapping(path = "/default_network_rules_systemvm", consumes = JSON)
    public CloudStackAnswer systemVm(@RequestBody CloudStackCall call) {
        return answer("default_network_rules_systemvm", call.vmName(), new Done("accepted", "system VMs are not "
                + "filtered by sg-agent: nothing programmed for " + call.vmName(), null));
    }

    @Override
    @PostMapping(path = "/post_default_network_rules", consumes = JSON)
    public CloudStackAnswer postDefault(@RequestBody CloudStackCall call) {
        return answer("post_default_network_rules", call.vmName(), new Done("accepted", "the metadata redirect is "
                + "not handled by sg-agent: nothing programmed for " + call.vmName(), null));
    }

    @Override
    @GetMapping(path = "/get_rule_logs_for_vms", produces = MediaType.TEXT_PLAIN_VALUE)
    public ResponseEntity<String> ruleLogs() {
        return ResponseEntity.ok().contentType(TEXT_UTF8).body(adapter.ruleLogs() + "\n");
    }

    @Override
    @GetMapping(path = "/vms")
    public List<ViewResponse> views() {
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

    /** The result when it is done; a refusal thrown as its problem. */
    private static Done done(String command, String vmName, CloudStackResult result) {
        if (result instanceof Done done) {
            log.debug("{} {}: {}", command, vmName, done.message());
            return done;
        }
        Refused refused = (Refused) result;
        log.warn("{} {} refused: {}", command, vmName, refused.message());
        throw OutcomeProblems.asException(refused.problem());
    }
}
