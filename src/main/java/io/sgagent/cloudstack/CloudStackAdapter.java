package io.sgagent.cloudstack;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.api.common.FieldError;
import io.sgagent.api.common.OutcomeProblems;
import io.sgagent.api.common.ProblemType;
import io.sgagent.cloudstack.CloudStackResult.Done;
import io.sgagent.cloudstack.CloudStackResult.Refused;
import io.sgagent.cloudstack.CloudStackVm.CloudStackNic;
import io.sgagent.cloudstack.CloudStackViews.Managed;
import io.sgagent.cloudstack.RuleStringParser.ParsedRules;
import io.sgagent.config.SgAgentProperties.Limits;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.Actor;
import io.sgagent.reconcile.SecurityGroupService;
import io.sgagent.reconcile.VmStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds CloudStack's incremental, per-NIC script calls into sg-agent's declarative VM state.
 *
 * <p>For each VM the adapter keeps CloudStack's view ({@link CloudStackVm}): NICs accumulate from
 * {@code default_network_rules} (the one with {@code --isFirstNic} resets the VM), the rules of the last
 * {@code add_network_rules} apply to every NIC, a per-NIC destroy removes one NIC, {@code network_rules_vmSecondaryIp}
 * adds or removes one address. After every change the view is folded into one {@link Vm} and handed to
 * {@link SecurityGroupService#put} with the adapter's own seq, one higher than any the agent has stored for the VM,
 * so B10 never rejects CloudStack's authoritative order. CloudStack's own seq is an opaque label: it is echoed in
 * the {@code get_rule_logs_for_vms} tuple and used for duplicate detection only (see docs/cloudstack.md for why a
 * lower CloudStack seq is applied).
 *
 * <p>In force. A view is in force while the agent's stored VM has exactly the view's {@code agentSeq}. A view that
 * is not in force (the adapter died between the agent's write and its own, somebody changed the VM through the
 * plain API, the agent's state was lost) is reported with CloudStack's initial tuple ({@code _initial_}, seq -1),
 * so the management server resends the VM's rules, and the next call re-applies the whole view. So the view's file
 * and the agent's state never have to be written in one transaction.
 *
 * <p>Thread-safety: calls for one VM are serialised by one of {@value CloudStackViews#STRIPES} lock stripes (CloudStack's script
 * serialises everything with a host-wide file lock; per-VM locks let the agent batch calls for different VMs into
 * one kernel transaction). Views live in a concurrent map and are replaced whole; reads take no lock.
 */
final class CloudStackAdapter {
    private static final Logger log = LoggerFactory.getLogger(CloudStackAdapter.class);

    private final SecurityGroupService service;
    private final DevicePolicy devices;
    private final CloudStackViews views;

    CloudStackAdapter(SecurityGroupService service, ViewStore store, Limits limits) {
        this(service, store, limits, DevicePolicy.nameOnly(), () -> Actor.AGENT);
    }

    /** @param actor who the current call is from (read on the calling thread), named in the audit log */
    CloudStackAdapter(SecurityGroupService service, ViewStore store, Limits limits, DevicePolicy devices,
                      Supplier<Actor> actor) {
        this.service = service;
        this.devices = devices;
        this.views = new CloudStackViews(service, store, limits, actor);
    }

    // Writing a changed view to the agent (and removing one) is CloudStackViews' job; these keep the handlers short.

    private Object lockFor(String name) {
        return views.lockFor(name);
    }

    private CloudStackResult commit(CloudStackVm next, ParsedRules rules, Optional<VmStatus> current, String what) {
        return views.commit(next, rules, current, what);
    }

    private CloudStackResult commitReplacingStale(CloudStackVm next, ParsedRules rules, Optional<VmStatus> current,
                                                  String what, Collection<String> running) {
        return views.commitReplacingStale(next, rules, current, what, running);
    }

    private CloudStackResult remove(String name) {
        return views.removeVm(name);
    }

    // ------------------------------------------------------------------ default_network_rules

    /**
     * One NIC's base rules. {@code --isFirstNic} resets the VM to this NIC and no rules (a start or reboot: CloudStack
     * resends the rules next). {@code --check} only makes sure the NIC is programmed, never resets. Without either
     * flag the NIC joins (or replaces the same device of) the VM.
     */
    CloudStackResult defaultNetworkRules(CloudStackCall call) {
        CloudStackArgs args = new CloudStackArgs();
        String name = args.name(call.vmName());
        long vmId = args.vmId(call.vmId());
        String vif = args.vmPort(args.vif(call.vif(), true), devices);
        args.refuseDirectRouted(call.directRoutedOnly());
        String mac = args.mac(call.vmMac(), true);
        String ip = args.address("--vmip", call.vmIp());
        String ip6 = args.address("--vmip6", call.vmIp6(), Family.IPV6);
        List<String> secIps = args.secondaryIps(call.nicSecIps());
        args.throwIfInvalid();
        String domId = CloudStackArgs.domId(call.domId());
        CloudStackNic nic = new CloudStackNic(vif, mac, ip, ip6, secIps, call.brName());
        Refused notAPort = notAVmPort(vif);
        if (notAPort != null) {
            return notAPort;
        }
        synchronized (lockFor(name)) {
            Managed managed = views.get(name);
            Optional<VmStatus> current = service.get(name);
            CloudStackVm next;
            ParsedRules rules;
            if (call.checkOnly()) {
                if (managed != null && CloudStackViews.inForce(managed.view(), current) && nic.equals(managed.view().nic(vif, mac))) {
                    return new Done("unchanged", "NIC " + vif + " of " + name + " is programmed",
                            managed.view().agentSeq());
                }
                next = managed == null ? CloudStackVm.started(name, vmId, domId, nic, 0)
                        : withDomId(managed.view().withNic(nic), domId);
                rules = managed == null ? ParsedRules.NONE : managed.rules();
            } else if (call.firstNic() || managed == null) {
                next = CloudStackVm.started(name, vmId, domId, nic, managed == null ? 0 : managed.view().agentSeq());
                rules = ParsedRules.NONE;
            } else {
                next = withDomId(managed.view().withNic(nic), domId);
                rules = managed.rules();
            }
            return commitReplacingStale(next, rules, current, "default rules for NIC " + vif + " of " + name,
                    call.running());
        }
    }

    private static CloudStackVm withDomId(CloudStackVm view, String domId) {
        return domId.equals("-1") || domId.equals(view.domId()) ? view
                : view.withRules(view.vmId(), domId, view.ip(), view.sig(), view.seq(), view.rules());
    }

    // ------------------------------------------------------------------ add_network_rules

    /**
     * The VM's rules, shared by all its NICs. Same (name, vmId, ip, domId, sig, seq) as the view in force: nothing
     * to do. Any difference, including a lower CloudStack seq, reprograms, as CloudStack's own script does.
     */
    CloudStackResult addNetworkRules(CloudStackCall call) {
        CloudStackArgs args = new CloudStackArgs();
        String name = args.name(call.vmName());
        long vmId = args.vmId(call.vmId());
        String sig = args.required("--sig", call.sig());
        long seq = args.number("--seq", call.seq(), true, 0);
        String ip = args.address("--vmip", call.vmIp());
        String ip6 = args.address("--vmip6", call.vmIp6(), Family.IPV6);
        String mac = args.mac(call.vmMac(), false);
        String vif = args.vmPort(args.vif(call.vif(), false), devices);
        args.refuseDirectRouted(call.directRoutedOnly());
        List<String> secIps = call.nicSecIps() == null ? null : args.secondaryIps(call.nicSecIps());
        if (sig != null && (sig.contains(",") || sig.contains(";"))) {
            args.add("--sig", "must not contain ',' or ';' (it is a field of the rule-log tuple)");
        }
        args.throwIfInvalid();
        String rulesText = call.rules() == null ? "" : call.rules();
        ParsedRules rules = RuleStringParser.parse(rulesText);
        String domId = CloudStackArgs.domId(call.domId());
        synchronized (lockFor(name)) {
            Managed managed = views.get(name);
            Optional<VmStatus> current = service.get(name);
            String tupleIp = ip != null ? ip : ip6 != null ? ip6 : managed != null ? managed.view().ip() : "";
            if (managed != null && CloudStackViews.inForce(managed.view(), current)) {
                CloudStackVm view = managed.view();
                if (view.vmId() == vmId && view.ip().equals(tupleIp) && view.domId().equals(domId)
                        && view.sig().equals(sig) && view.seq() == seq && view.rules().equals(rulesText)
                        && (secIps == null || mac == null || sameSecIps(view, mac, secIps))) {
                    return new Done("duplicate", "rules seq " + seq + " of " + name + " are already programmed",
                            view.agentSeq());
                }
            }
            CloudStackVm base;
            if (managed == null) {
                if (vif == null || mac == null) {
                    return Refused.of(ProblemType.CLOUDSTACK_UNKNOWN_VM, "VM " + name + " has no NIC registered "
                            + "(default_network_rules first, or pass --vif and --vmmac)");
                }
                Refused notAPort = notAVmPort(vif);
                if (notAPort != null) {
                    return notAPort;
                }
                // Like CloudStack's script when it finds no chains: re-initialise the VM from this call's NIC.
                base = CloudStackVm.started(name, vmId, domId, new CloudStackNic(vif, mac, ip,
                        ip6, secIps == null ? List.of() : secIps, call.brName()), 0);
            } else {
                base = managed.view();
                CloudStackNic nic = mac == null ? null : base.nic(null, mac);
                if (nic != null && secIps != null) {
                    base = base.withNic(nic.withSecIps(secIps));
                }
            }
            String note = "";
            if (managed != null && managed.view().seq() > seq) {
                log.warn("VM {}: CloudStack seq {} is lower than the last one ({}); applying it: the management "
                        + "server is authoritative", name, seq, managed.view().seq());
                note = " (CloudStack seq went back from " + managed.view().seq() + ")";
            }
            if (rules.narrowedCidrs() > 0) {
                log.warn("VM {}: {} CIDRs with host bits set were narrowed to single hosts", name,
                        rules.narrowedCidrs());
                note += " (" + rules.narrowedCidrs() + " CIDRs with host bits set narrowed to the host)";
            }
            CloudStackVm next = base.withRules(vmId, domId, tupleIp, sig, seq, rulesText);
            return commitReplacingStale(next, rules, current, "rules seq " + seq + " of " + name + note,
                    call.running());
        }
    }

    private static boolean sameSecIps(CloudStackVm view, String mac, List<String> secIps) {
        CloudStackNic nic = view.nic(null, mac);
        return nic == null || nic.secIps().equals(secIps);
    }

    // ------------------------------------------------------------------ destroy_network_rules_for_vm

    /**
     * Per VM ({@code --vmname [--vif]}) or per NIC (any of {@code --vmip}, {@code --vmmac}, {@code --nicsecips}
     * present; CloudStack's script looks at {@code --vmip} only, so it destroys the whole VM when an IPv6-only NIC
     * is unplugged). Destroying what is not there succeeds.
     */
    CloudStackResult destroy(CloudStackCall call) {
        CloudStackArgs args = new CloudStackArgs();
        String name = args.name(call.vmName());
        boolean perNic = call.vmIp() != null || call.vmMac() != null || call.nicSecIps() != null;
        String vif = args.vif(call.vif(), false);
        String mac = perNic ? args.mac(call.vmMac(), false) : null;
        if (perNic && vif == null && mac == null) {
            args.add("--vif", "a NIC is named by --vif or --vmmac");
        }
        args.throwIfInvalid();
        synchronized (lockFor(name)) {
            if (!perNic) {
                return remove(name);
            }
            Managed managed = views.get(name);
            CloudStackNic nic = managed == null ? null : managed.view().nic(vif, mac);
            if (nic == null) {
                return new Done("absent", "VM " + name + " has no NIC " + (vif != null ? vif : mac), null);
            }
            CloudStackVm next = managed.view().withoutNic(nic);
            if (next.nics().isEmpty()) {
                return remove(name);
            }
            return commit(next, managed.rules(), service.get(name), "removed NIC " + nic.vif() + " of " + name);
        }
    }

    // ------------------------------------------------------------------ network_rules_vmSecondaryIp

    /** {@code --action=-A} adds, {@code -D} removes, the addresses of {@code --nicsecips} on the NIC with that MAC. */
    CloudStackResult secondaryIp(CloudStackCall call) {
        CloudStackArgs args = new CloudStackArgs();
        String name = args.name(call.vmName());
        String mac = args.mac(call.vmMac(), true);
        List<String> ips = args.secondaryIps(args.required("--nicsecips", call.nicSecIps()));
        String action = call.action() == null ? null : call.action().strip();
        if (!"-A".equals(action) && !"-D".equals(action)) {
            args.add("--action", "must be -A or -D (write --action=-A)");
        }
        if (ips.isEmpty() && call.nicSecIps() != null) {
            args.add("--nicsecips", "names no address");
        }
        args.throwIfInvalid();
        boolean add = "-A".equals(action);
        synchronized (lockFor(name)) {
            Managed managed = views.get(name);
            CloudStackNic nic = managed == null ? null : managed.view().nic(null, mac);
            if (nic == null) {
                return add ? Refused.of(ProblemType.CLOUDSTACK_UNKNOWN_VM, "VM " + name + " has no NIC with MAC " + mac)
                        : new Done("absent", "VM " + name + " has no NIC with MAC " + mac, null);
            }
            Set<String> next = new LinkedHashSet<>(nic.secIps());
            if (add) {
                next.addAll(ips);
            } else {
                next.removeAll(ips);
            }
            CloudStackVm view = managed.view().withNic(nic.withSecIps(List.copyOf(next)));
            return commit(view, managed.rules(), service.get(name),
                    (add ? "added " : "removed ") + String.join(", ", ips) + " on NIC " + nic.vif() + " of " + name);
        }
    }

    // ------------------------------------------------------------------ get_rule_logs_for_vms

    /**
     * {@code name,vmId,ip,domId,signature,seq} per user VM ({@code i-*}, as CloudStack's script lists only those),
     * joined with {@code ;}, in name order. CloudStack also restricts the list to running domains: the agent cannot
     * see libvirt, so the client drops the VMs libvirt does not run (see cloudstack/security_group.py).
     */
    String ruleLogs() {
        List<String> entries = new ArrayList<>();
        for (Managed managed : views.sorted().values()) {
            CloudStackVm view = managed.view();
            if (!view.name().startsWith("i-")) {
                continue;
            }
            entries.add(CloudStackViews.inForce(view, service.get(view.name())) ? view.tuple() : view.initialTuple());
        }
        return String.join(";", entries);
    }

    // ------------------------------------------------------------------ cleanup_rules

    /** Removes every VM of the adapter that libvirt does not run (or keep paused). */
    CloudStackResult cleanup(Collection<String> running) {
        Set<String> alive = new HashSet<>(running);
        List<String> removed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String name : views.sorted().keySet()) {
            if (alive.contains(name)) {
                continue;
            }
            synchronized (lockFor(name)) {
                if (!views.containsKey(name)) {
                    continue;
                }
                CloudStackResult result = remove(name);
                if (result instanceof Refused refused) {
                    failed.add(name + ": " + refused.message());
                } else {
                    removed.add(name);
                }
            }
        }
        if (!failed.isEmpty()) {
            return new Refused(OutcomeProblems.kernelFailed("cleanup failed for " + String.join("; ", failed)));
        }
        return new Done(removed.isEmpty() ? "unchanged" : "removed",
                removed.isEmpty() ? "no rules of stopped VMs" : "removed the rules of " + String.join(", ", removed),
                null);
    }

    // ------------------------------------------------------------------ verify_network_rules

    /** See {@link Verification}: checks the agent's programmed state, not the view. */
    CloudStackResult verify(CloudStackCall call, boolean kernelReady) {
        return Verification.verify(call, kernelReady, service);
    }

    // ------------------------------------------------------------------ views

    List<CloudStackVm> views() {
        return views.sorted().values().stream().map(Managed::view).toList();
    }

    /** Whether this view is what the agent has programmed for the VM now. */
    Optional<Boolean> inForce(String name) {
        Managed managed = views.get(name);
        return managed == null ? Optional.empty() : Optional.of(CloudStackViews.inForce(managed.view(), service.get(name)));
    }

    /** A 409 when {@code vif} exists on the host and is not a VM port (a bridge, an uplink, lo); else null. */
    private Refused notAVmPort(String vif) {
        String problem = vif == null ? null : devices.kernelProblem(vif);
        return problem == null ? null
                : new Refused(DevicePolicy.refused(List.of(new FieldError("--vif", problem))).getBody());
    }
}
