package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.HookJump;
import io.sgagent.ruleset.IpFamily;
import io.sgagent.ruleset.IpSet;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Rule;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.ruleset.TableRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compiles the desired state of every VM on the host into the complete {@link Ruleset}. Pure and
 * deterministic: the same host state always gives the same ruleset (VMs in name order, NICs and rules in
 * request order). See docs/ruleset.md for the chain layout and packet walks.
 */
public final class RulesetCompiler {
    private final ConnMarks marks;

    /** With the default connmark mask ({@link ConnMarks#DEFAULT}). */
    public RulesetCompiler() {
        this(ConnMarks.DEFAULT);
    }

    public RulesetCompiler(ConnMarks marks) {
        this.marks = marks;
    }

    /** The connmark layout the compiled rules write; the conntrack cleanup lists flows by it. */
    public ConnMarks connMarks() {
        return marks;
    }

    public Ruleset compile(HostState host) {
        checkUniqueChainNames(host);
        List<IpSet> sets = new ArrayList<>();
        for (Family family : Family.values()) {
            TreeSet<String> untracked = new TreeSet<>();
            TreeSet<String> tracked = new TreeSet<>();
            for (Vm vm : host.vms().values()) {
                TreeSet<String> target = NotrackPolicy.untracked(vm, family) ? untracked : tracked;
                for (IPAddress address : vm.ownAddresses(family)) {
                    target.add(address.toCanonicalString());
                }
            }
            sets.add(new IpSet(ChainNames.notrackSet(family), "hash:ip", ipFamily(family), untracked, true));
            sets.add(new IpSet(ChainNames.trackedSet(family), "hash:ip", ipFamily(family), tracked));
        }
        return new Ruleset(ChainNames.PREFIX, family(host, Family.IPV4), family(host, Family.IPV6), bridge(host),
                sets);
    }

    public static IpFamily ipFamily(Family family) {
        return family == Family.IPV4 ? IpFamily.IPV4 : IpFamily.IPV6;
    }

    private FamilyRuleset family(HostState host, Family family) {
        return new FamilyRuleset(ipFamily(family), List.of(raw(host, family), filter(host, family)));
    }

    private TableRules raw(HostState host, Family family) {
        List<Chain> chains = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        for (Vm vm : host.vms().values()) {
            for (Nic nic : vm.nics()) {
                chains.add(AntiSpoofChains.ip(nic, family));
                if (family == Family.IPV6) {
                    chains.add(AntiSpoofChains.ndTarget(nic));
                }
                devices.add(nic.device());
            }
        }
        // physdev-in without --physdev-is-bridged: the check also covers frames addressed to the host.
        DispatchTree antiSpoofDispatch = new DispatchTree(ChainNames.PREFIX + "ds-",
                device -> new Match.Physdev(device, true, false),
                device -> new Action.Jump(ChainNames.antiSpoof(device)), "anti-spoof");
        List<Rule> prerouting = new ArrayList<>(antiSpoofDispatch.build(devices));
        chains.addAll(antiSpoofDispatch.subChains());
        String notrackSet = ChainNames.notrackSet(family);
        Action decide = new Action.Jump(ChainNames.NOTRACK);
        prerouting.add(new Rule(List.of(new Match.InSet(notrackSet, true)), decide, "notrack from-untracked"));
        prerouting.add(new Rule(List.of(new Match.InSet(notrackSet, false)), decide, "notrack to-untracked"));

        // Reached only by packets from or to an untracked VM. Everything that involves a tracked VM of this
        // host or the hypervisor itself keeps conntrack, so notrack never changes what they see (B5).
        String trackedSet = ChainNames.trackedSet(family);
        List<Rule> notrack = new ArrayList<>();
        notrack.add(new Rule(List.of(new Match.InSet(trackedSet, true)), Action.RETURN, "notrack tracked-peer"));
        notrack.add(new Rule(List.of(new Match.InSet(trackedSet, false)), Action.RETURN, "notrack tracked-peer"));
        notrack.add(new Rule(List.of(new Match.AddrType(true, "LOCAL")), Action.RETURN, "notrack host"));
        notrack.add(new Rule(List.of(new Match.AddrType(false, "LOCAL")), Action.RETURN, "notrack host"));
        if (family == Family.IPV4) {
            notrack.add(new Rule(List.of(new Match.AddrType(false, "BROADCAST")), Action.RETURN,
                    "notrack broadcast"));
        }
        // Broadcast and multicast also reach the hypervisor itself, whose traffic always stays tracked.
        notrack.add(new Rule(List.of(new Match.AddrType(false, "MULTICAST")), Action.RETURN,
                "notrack multicast"));
        notrack.add(new Rule(List.of(), Action.NOTRACK, "notrack untracked-vm"));

        List<Chain> all = new ArrayList<>();
        all.add(new Chain(ChainNames.PREROUTING, prerouting));
        all.add(new Chain(ChainNames.NOTRACK, notrack));
        all.addAll(chains);
        return new TableRules("raw", all, List.of(new HookJump("PREROUTING", ChainNames.PREROUTING)));
    }

    private TableRules filter(HostState host, Family family) {
        List<Chain> vmChains = new ArrayList<>();
        Map<String, String> ownerOf = new TreeMap<>();
        for (Vm vm : host.vms().values()) {
            vmChains.add(marks.ingress(vm, FilterChains.ingress(vm, family)));
            vmChains.add(marks.egress(vm, FilterChains.egress(vm, family)));
            for (Nic nic : vm.nics()) {
                ownerOf.put(nic.device(), vm.name());
            }
        }
        List<String> devices = new ArrayList<>(ownerOf.keySet());
        DispatchTree fromVm = new DispatchTree(ChainNames.PREFIX + "de-",
                device -> new Match.Physdev(device, true, true),
                device -> new Action.Goto(ChainNames.egress(ownerOf.get(device))), "from");
        DispatchTree towardsVm = new DispatchTree(ChainNames.PREFIX + "di-",
                device -> new Match.Physdev(device, false, true),
                device -> new Action.Goto(ChainNames.ingress(ownerOf.get(device))), "to");
        List<Rule> forward = new ArrayList<>(fromVm.build(devices));
        List<Rule> toVm = towardsVm.build(devices);
        vmChains.addAll(fromVm.subChains());
        vmChains.addAll(towardsVm.subChains());
        // Packets from outside towards a VM. Anything else falls off the end of sga-FORWARD back into
        // FORWARD, untouched: traffic not involving our VMs is not ours to judge (B8).
        forward.add(new Rule(List.of(), new Action.Jump(ChainNames.TO_VM), "from outside"));
        // A packet its sender's egress allowed still needs the receiver's ingress if the receiver is a VM of
        // this host (B4); otherwise it leaves via the uplink and is accepted.
        List<Rule> egressOk = List.of(new Rule(List.of(), new Action.Jump(ChainNames.TO_VM), "egress-ok receiver"),
                new Rule(List.of(), Action.ACCEPT, "egress-ok leaves-host"));

        List<Chain> all = new ArrayList<>();
        all.add(new Chain(ChainNames.FORWARD, forward));
        all.add(new Chain(ChainNames.TO_VM, toVm));
        all.add(new Chain(ChainNames.EGRESS_OK, egressOk));
        all.addAll(vmChains);
        return new TableRules("filter", all, List.of(new HookJump("FORWARD", ChainNames.FORWARD)));
    }

    private FamilyRuleset bridge(HostState host) {
        List<Chain> chains = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        for (Vm vm : host.vms().values()) {
            for (Nic nic : vm.nics()) {
                chains.add(AntiSpoofChains.bridge(nic));
                devices.add(nic.device());
            }
        }
        // No origin: the bridge family cannot carry comments.
        DispatchTree dispatch = new DispatchTree(ChainNames.PREFIX + "db-", Match.InInterface::new,
                device -> new Action.Jump(ChainNames.bridgeAntiSpoof(device)), null);
        List<Rule> prerouting = dispatch.build(devices);
        chains.addAll(dispatch.subChains());
        List<Chain> all = new ArrayList<>();
        all.add(new Chain(ChainNames.PREROUTING, prerouting));
        all.addAll(chains);
        return new FamilyRuleset(IpFamily.BRIDGE,
                List.of(new TableRules("nat", all, List.of(new HookJump("PREROUTING", ChainNames.PREROUTING)))));
    }

    private static void checkUniqueChainNames(HostState host) {
        Map<String, String> owner = new HashMap<>();
        for (Vm vm : host.vms().values()) {
            String previous = owner.putIfAbsent(ChainNames.ingress(vm.name()), vm.name());
            if (previous != null) {
                throw new IllegalStateException("VMs " + previous + " and " + vm.name() + " map to the same chain "
                        + ChainNames.ingress(vm.name()));
            }
        }
    }
}
