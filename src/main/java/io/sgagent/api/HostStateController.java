package io.sgagent.api;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.api.common.OutcomeProblems;
import io.sgagent.api.common.RequestActors;
import io.sgagent.config.SgAgentProperties;
import io.sgagent.model.HostState;
import io.sgagent.reconcile.ReplaceOutcome;
import io.sgagent.reconcile.SecurityGroupService;
import java.util.Comparator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The whole host at once: resynchronisation from the management plane. OpenAPI text in {@link HostStateApiDocs}. */
@RestController
class HostStateController implements HostStateApiDocs {
    private static final Logger log = LoggerFactory.getLogger(HostStateController.class);

    private final SecurityGroupService service;
    private final SgAgentProperties.Limits limits;
    private final DevicePolicy devices;

    HostStateController(SecurityGroupService service, SgAgentProperties properties, DevicePolicy devices) {
        this.service = service;
        this.limits = properties.limits();
        this.devices = devices;
    }

    @Override
    @PutMapping(path = "/api/v1/vms", consumes = VmApiDocs.JSON, produces = VmApiDocs.JSON)
    public HostStateResponse replaceAll(@RequestBody HostStateRequest body) {
        long start = System.nanoTime();
        // The kernel's links are read while the VMs are validated; a request refused as invalid never waits for it.
        var links = devices.readLinks();
        HostState desired = VmRequestMapper.toHostState(body, limits, devices);
        long mapped = System.nanoTime();
        devices.requireVmPorts(desired.vms(), links);
        long checked = System.nanoTime();
        ReplaceOutcome.Applied applied =
                OutcomeProblems.appliedOrThrow(service.replaceAll(desired, RequestActors.current()));
        if (log.isDebugEnabled()) {
            log.debug("host-wide replace of {} VMs: validation {} ms, port check {} ms, transaction and cleanup {} ms",
                    desired.vms().size(), (mapped - start) / 1_000_000, (checked - mapped) / 1_000_000,
                    (System.nanoTime() - checked) / 1_000_000);
        }
        return new HostStateResponse(
                applied.vms().stream().map(VmStatusResponse::from).sorted(Comparator.comparing(VmStatusResponse::name))
                        .toList(),
                applied.removed().stream().sorted().toList());
    }
}
