package io.sgagent.api;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.api.common.OutcomeProblems;
import io.sgagent.api.common.RequestActors;
import io.sgagent.config.SgAgentProperties;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.ConntrackQuotas;
import io.sgagent.reconcile.SecurityGroupService;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
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
 * One VM at a time: desired state in, programmed state out. Thin: validation is {@link VmRequestMapper}'s and
 * {@link DevicePolicy}'s, the work {@link SecurityGroupService}'s, outcomes become answers in {@link OutcomeProblems},
 * the OpenAPI text is in {@link VmApiDocs}.
 */
@RestController
@RequestMapping("/api/v1/vms")
class VmController implements VmApiDocs {
    private static final MediaType TEXT_UTF8 = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

    private final SecurityGroupService service;
    private final SgAgentProperties.Limits limits;
    private final DevicePolicy devices;

    private final ObjectProvider<ConntrackQuotas> quotas;

    VmController(SecurityGroupService service, SgAgentProperties properties, DevicePolicy devices,
                 ObjectProvider<ConntrackQuotas> quotas) {
        this.quotas = quotas;
        this.service = service;
        this.limits = properties.limits();
        this.devices = devices;
    }

    @Override
    @PutMapping(path = "/{name}", consumes = JSON, produces = JSON)
    public VmStatusResponse put(@PathVariable String name, @RequestBody VmRequest body) {
        Vm vm = VmRequestMapper.toVm(name, body, limits, devices);
        Set<String> programmed = service.get(name).map(status -> status.vm().nics().stream().map(Nic::device)
                .collect(Collectors.toSet())).orElse(Set.of());
        devices.requireVmPorts(vm, "", programmed);
        requireRoomFor(vm.name());
        return VmStatusResponse.from(OutcomeProblems.statusOrThrow(service.put(vm, RequestActors.current())));
    }

    /**
     * A new VM on a full host is refused before the service sees it. Two concurrent PUTs of new VMs can both pass
     * this check, so the limit can be overshot by the number of concurrent requests: it is a guard against runaway
     * clients, not an exact quota.
     */
    private void requireRoomFor(String name) {
        int count = service.list().size();
        if (count >= limits.vmsPerHost() && service.get(name).isEmpty()) {
            throw OutcomeProblems.asException(OutcomeProblems.limitExceeded("vms-per-host", limits.vmsPerHost(),
                    "this host already has " + count + " VMs; the limit is " + limits.vmsPerHost()
                            + " (sgagent.limits.vms-per-host)"));
        }
    }

    @Override
    @GetMapping(produces = JSON)
    public VmListResponse list() {
        return new VmListResponse(service.list().stream().map(VmStatusResponse::from)
                .sorted(Comparator.comparing(VmStatusResponse::name)).toList());
    }

    @Override
    @GetMapping(path = "/{name}", produces = JSON)
    public VmStatusResponse get(@PathVariable String name) {
        VmRequestMapper.requireValidName(name);
        VmStatusResponse status = service.get(name).map(VmStatusResponse::from)
                .orElseThrow(() -> OutcomeProblems.vmNotFound(name));
        status = status.withDropped(service.drops(name).orElse(null));
        // Issue 12: quota figures when the quota reader is wired (the real application; web tests have none).
        ConntrackQuotas quotas = this.quotas.getIfAvailable();
        if (quotas != null) {
            status = status.withConntrack(quotas.of(name).map(q -> new VmStatusResponse.Conntrack(q.limit(),
                    q.current(), q.refused())).orElse(null));
        }
        return status;
    }

    @Override
    @DeleteMapping(path = "/{name}")
    public ResponseEntity<Void> delete(@PathVariable String name) {
        VmRequestMapper.requireValidName(name);
        OutcomeProblems.deletedOrThrow(service.delete(name, RequestActors.current()), name);
        return ResponseEntity.noContent().build();
    }

    @Override
    @GetMapping(path = "/{name}/ruleset", produces = MediaType.TEXT_PLAIN_VALUE)
    public ResponseEntity<String> ruleset(@PathVariable String name) {
        VmRequestMapper.requireValidName(name);
        String rules = service.ruleset(name).orElseThrow(() -> OutcomeProblems.vmNotFound(name));
        return ResponseEntity.ok().contentType(TEXT_UTF8).body(rules);
    }
}
