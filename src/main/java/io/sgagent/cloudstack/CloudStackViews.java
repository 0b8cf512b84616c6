package io.sgagent.cloudstack;

import inet.ipaddr.IPAddress;
import io.sgagent.api.common.OutcomeProblems;
import io.sgagent.api.common.ProblemType;
import io.sgagent.cloudstack.CloudStackResult.Done;
import io.sgagent.cloudstack.CloudStackResult.Refused;
import io.sgagent.cloudstack.RuleStringParser.ParsedRules;
import io.sgagent.config.SgAgentProperties.Limits;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.Actor;
import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import io.sgagent.reconcile.SecurityGroupService;
import io.sgagent.reconcile.VmStatus;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ProblemDetail;

/**
 * The adapter's CloudStack views ({@link CloudStackVm}) and how one reaches the agent: loaded from the
 * {@link ViewStore} at start, folded into a {@link Vm} and put with the adapter's own seq, stored after the agent
 * took it, removed with every trace. {@link CloudStackAdapter} decides what a script call changes in a view; this
 * class writes it.
 *
 * <p>Thread-safety: callers hold {@link #lockFor} of the VM around a read-modify-write of its view (see
 * {@link CloudStackAdapter}); views live in a concurrent map and are replaced whole, so reads take no lock.
 */
final class CloudStackViews {
    /** The adapter's logger name, unchanged by the split, so operators' log filters keep working. */
    private static final Logger log = LoggerFactory.getLogger(CloudStackAdapter.class);
    static final int STRIPES = 64;

    private final SecurityGroupService service;
    private final ViewStore store;
    private final Limits limits;
    private final Supplier<Actor> actor;
    private final Object[] stripes = new Object[STRIPES];
    private final Map<String, Managed> views = new ConcurrentHashMap<>();

    /** A view and its parsed rules (parsed once per rule string, not per call). */
    record Managed(CloudStackVm view, ParsedRules rules) {
    }

    /** @param actor who the current call is from (read on the calling thread), named in the audit log */
    CloudStackViews(SecurityGroupService service, ViewStore store, Limits limits, Supplier<Actor> actor) {
        this.service = service;
        this.store = store;
        this.limits = limits;
        this.actor = actor;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
        for (CloudStackVm view : store.load().values()) {
            try {
                views.put(view.name(), new Managed(view, RuleStringParser.parse(view.rules())));
            } catch (InvalidInputException e) {
                // Cannot happen for a view this adapter wrote; a view without rules makes CloudStack resend them.
                log.error("stored rules of {} cannot be parsed ({}); waiting for CloudStack to resend them",
                        view.name(), e.getMessage());
                views.put(view.name(), new Managed(view.withRules(view.vmId(), view.domId(), view.ip(),
                        CloudStackVm.INITIAL_SIG, CloudStackVm.INITIAL_SEQ, ""), ParsedRules.NONE));
            }
        }
    }

    /** The lock stripe of a VM: held around every read-modify-write of its view. */
    Object lockFor(String name) {
        return stripes[Math.floorMod(name.hashCode(), STRIPES)];
    }

    Managed get(String name) {
        return views.get(name);
    }

    boolean containsKey(String name) {
        return views.containsKey(name);
    }

    /** A copy in name order. */
    SortedMap<String, Managed> sorted() {
        return new TreeMap<>(views);
    }

    /** Whether this view is what the agent has programmed for the VM now. */
    static boolean inForce(CloudStackVm view, Optional<VmStatus> current) {
        return current.isPresent() && current.get().vm().seq() == view.agentSeq();
    }

    /** Every trace of the VM: its rules, set members and flows (the agent's delete, B7) and the adapter's view. */
    CloudStackResult removeVm(String name) {
        DeleteOutcome outcome = service.delete(name, actor.get());
        if (outcome instanceof DeleteOutcome.Failed failed) {
            return new Refused(OutcomeProblems.kernelFailed(failed.message()));
        }
        boolean known = views.remove(name) != null;
        try {
            store.delete(name);
        } catch (IOException e) {
            return Refused.of(ProblemType.CLOUDSTACK_VIEW_NOT_STORED, "VM " + name + " was removed, but its CloudStack view cannot be "
                    + "deleted: " + e.getMessage());
        }
        boolean deleted = outcome instanceof DeleteOutcome.Deleted;
        return new Done(deleted || known ? "removed" : "absent",
                deleted ? "removed every rule of " + name : "VM " + name + " had no rules", null);
    }


    /**
     * Folds the view into a VM and programs it, unless the agent already enforces exactly that content (then only
     * the view is stored). The view is stored after the agent took the VM: if the adapter dies in between, the view
     * is simply not in force and CloudStack's next resync repairs it.
     */
    CloudStackResult commit(CloudStackVm next, ParsedRules rules, Optional<VmStatus> current, String what) {
        Vm desired = fold(next, rules);
        Long seq;
        String outcome;
        if (current.isPresent() && current.get().vm().sameContent(desired)) {
            seq = current.get().vm().seq();
            outcome = "unchanged";
        } else {
            if (current.isEmpty() && service.list().size() >= limits.vmsPerHost()) {
                return new Refused(OutcomeProblems.limitExceeded("vms-per-host", limits.vmsPerHost(),
                        "this host already has " + limits.vmsPerHost() + " VMs (sgagent.limits.vms-per-host)"));
            }
            seq = Math.max(current.map(s -> s.vm().seq()).orElse(0L), next.agentSeq()) + 1;
            PutOutcome put = service.put(desired.withSeq(seq), actor.get());
            if (!(put instanceof PutOutcome.Applied || put instanceof PutOutcome.Unchanged)) {
                ProblemDetail problem = OutcomeProblems.problem(put);
                if (put instanceof PutOutcome.StaleSeq || put instanceof PutOutcome.SeqReused) {
                    // Only another writer of the same VM (the plain API) between our read and our write gets here.
                    problem.setDetail("VM " + next.name() + " was changed concurrently through the sg-agent API; "
                            + "retry");
                }
                return new Refused(problem);
            }
            outcome = "applied";
        }
        CloudStackVm stored = next.withAgentSeq(seq);
        try {
            store.save(stored);
        } catch (IOException | RuntimeException e) {
            log.error("cannot store the CloudStack view of {}: {}", next.name(), e.toString());
            return Refused.of(ProblemType.CLOUDSTACK_VIEW_NOT_STORED, "the rules of " + next.name()
                    + " are programmed, but the CloudStack view cannot be stored: " + e.getMessage());
        }
        views.put(stored.name(), new Managed(stored, rules));
        return new Done(outcome, (outcome.equals("applied") ? "programmed: " : "already programmed: ") + what, seq);
    }

    /**
     * {@link #commit}, and when the VM's device or an address still belongs to another CloudStack VM that libvirt
     * no longer runs (it died without a stop, so nobody destroyed its rules; libvirt hands its tap name to the next
     * domain at once), removes that stale VM and tries once more. Without {@code running} (libvirt's list, sent by
     * the client) a conflict is reported: a running VM's rules are never taken away. The stale VM is removed
     * without its lock stripe (taking a second stripe could deadlock); that is safe because CloudStack sends nothing
     * for a VM libvirt does not run, and a concurrent cleanup of the same VM finds it already gone.
     */
    CloudStackResult commitReplacingStale(CloudStackVm next, ParsedRules rules, Optional<VmStatus> current,
                                                  String what, Collection<String> running) {
        CloudStackResult result = commit(next, rules, current, what);
        if (!(result instanceof Refused refused) || !refused.is(ProblemType.HOST_CONFLICT) || running == null) {
            return result;
        }
        Vm desired = fold(next, rules);
        Set<String> devices = new HashSet<>();
        Set<IPAddress> addresses = new HashSet<>();
        for (Nic nic : desired.nics()) {
            devices.add(nic.device());
            addresses.addAll(nic.ipv4());
            addresses.addAll(nic.ipv6());
        }
        Set<String> alive = new HashSet<>(running);
        List<String> stale = service.list().stream().map(VmStatus::vm)
                .filter(vm -> !vm.name().equals(next.name()) && views.containsKey(vm.name())
                        && !alive.contains(vm.name()))
                .filter(vm -> vm.nics().stream().anyMatch(nic -> devices.contains(nic.device())
                        || nic.ipv4().stream().anyMatch(addresses::contains)
                        || nic.ipv6().stream().anyMatch(addresses::contains)))
                .map(Vm::name).toList();
        if (stale.isEmpty()) {
            return result;
        }
        for (String name : stale) {
            log.warn("VM {} is not run by libvirt but still holds a device or address of {}; removing its rules",
                    name, next.name());
            if (removeVm(name) instanceof Refused failed) {
                return failed;
            }
        }
        CloudStackResult retried = commit(next, rules, service.get(next.name()), what);
        return retried instanceof Done done ? new Done(done.outcome(), done.message() + " (removed the rules of "
                + String.join(", ", stale) + ", which libvirt no longer runs)", done.exitCode(), done.agentSeq())
                : retried;
    }

    /** The sg-agent VM of a view, within the configured limits. */
    Vm fold(CloudStackVm view, ParsedRules rules) {
        return VmFolding.fold(view, rules, limits);
    }
}
