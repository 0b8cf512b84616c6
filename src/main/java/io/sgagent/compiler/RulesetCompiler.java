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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Compiles the desired state of every VM on the host into the complete {@link Ruleset}. Pure and
 * deterministic: the same host state always gives the same ruleset (VMs in name order, NICs and rules in
 * request order). See docs/ruleset.md for the chain layout and packet walks.
 */
public final class RulesetCompiler {
    /**
     * Parts of the last compile reused by the next while their input is unchanged, so a one-VM update compiles one
     * VM (issue 11). Null compiles everything afresh (tests compare both ways; the results must be equal).
     */
    private CompileMemo memo = new CompileMemo();

    /** This compiler without reuse between compiles: every compile builds everything afresh. */
    RulesetCompiler withoutMemo() {
        memo = null;
        return this;
    }

    /**
     * From this many VMs on, {@link #compile(HostState, Executor)} hands the IPv6 family to its executor; below, the
     * hand-off costs more than it saves.
     */
    static final int PARALLEL_FROM = 64;

    /** Conntrack quota of VMs that have none of their own (issue 12; 0 = none). */
    private final int quotaDefault;
    private final ConnMarks marks;

    /** No default quota, the default connmark mask ({@link ConnMarks#DEFAULT}). */
    public RulesetCompiler() {
        this(0, ConnMarks.DEFAULT);
    }

    public RulesetCompiler(int quotaDefault) {
        this(quotaDefault, ConnMarks.DEFAULT);
    }

    public RulesetCompiler(ConnMarks marks) {
        this(0, marks);
    }

    public RulesetCompiler(int quotaDefault, ConnMarks marks) {
        if (quotaDefault < 0 || quotaDefault > Vm.CONNTRACK_LIMIT_MAX) {
            throw new IllegalArgumentException("the default conntrack quota must be between 0 and "
                    + Vm.CONNTRACK_LIMIT_MAX);
        }
        this.quotaDefault = quotaDefault;
        this.marks = marks;
    }

    /** The conntrack quota the compiled rules give this VM (0: none). */
    public int quota(Vm vm) {
        return QuotaChains.limit(vm, quotaDefault);
    }

    /** The connmark layout the compiled rules write; the conntrack cleanup lists flows by it. */
    public ConnMarks connMarks() {
        return marks;
    }

    public Ruleset compile(HostState host) {
        return compile(host, Runnable::run);
    }

    /**
     * {@link #compile(HostState)} with a big host's IPv6 family compiled on {@code elsewhere} while the calling thread
     * compiles IPv4 and the bridge. The compiler starts no threads of its own: the caller owns them.
     */
    public Ruleset compile(HostState host, Executor elsewhere) {
        checkUniqueChainNames(host);
        if (memo != null) {
            memo.retain(host.vms().keySet());
        }
        List<IpSet> sets = new ArrayList<>();
        for (Family family : Family.values()) {
            // Per VM: whether it is untracked, and its addresses; the sets are rebuilt only when one of them changes.
            List<SetMembers> members = new ArrayList<>(host.vms().size());
            for (Vm vm : host.vms().values()) {
                members.add(perVm(vm, "set members " + family, () -> setMembers(vm, family)));
            }
            sets.addAll(perHost("sets " + family, members, () -> sets(members, family)));
        }
        // The families share nothing but the memo (thread-safe): on a big host IPv6 compiles on another thread while
        // this one compiles IPv4 and the bridge (a cold 1000-VM sync: ~0.3 s of each, on different cores).
        CompletableFuture<FamilyRuleset> ipv6 = host.vms().size() >= PARALLEL_FROM
                ? CompletableFuture.supplyAsync(() -> family(host, Family.IPV6), elsewhere)
                : CompletableFuture.completedFuture(family(host, Family.IPV6));
        FamilyRuleset ipv4 = family(host, Family.IPV4);
        FamilyRuleset bridge = bridge(host);
        return new Ruleset(ChainNames.PREFIX, ipv4, join(ipv6), bridge, sets);
    }

    /** The family compiled on the other thread; its failure is rethrown here as it was thrown there. */
    private static FamilyRuleset join(CompletableFuture<FamilyRuleset> family) {
        try {
            return family.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private record SetMembers(boolean untracked, List<String> addresses) {
    }

    private static SetMembers setMembers(Vm vm, Family family) {
        return new SetMembers(NotrackPolicy.untracked(vm, family),
                vm.ownAddresses(family).stream().map(IPAddress::toCanonicalString).toList());
    }

    private static List<IpSet> sets(List<SetMembers> members, Family family) {
        TreeSet<String> untracked = new TreeSet<>();
        TreeSet<String> tracked = new TreeSet<>();
        for (SetMembers vm : members) {
            (vm.untracked() ? untracked : tracked).addAll(vm.addresses());
        }
        return List.of(new IpSet(ChainNames.notrackSet(family), "hash:ip", ipFamily(family), untracked, true),
                new IpSet(ChainNames.trackedSet(family), "hash:ip", ipFamily(family), tracked));
    }

    /** {@code build}'s part of one VM, reused from an earlier compile while the VM is unchanged. */
    private <T> T perVm(Vm vm, String part, Supplier<T> build) {
        return memo == null ? build.get() : memo.vm(vm, part, build);
    }

    /** A host-level part, reused from an earlier compile while {@code input} (all it depends on) is equal. */
    private <T> T perHost(String part, Object input, Supplier<T> build) {
        return memo == null ? build.get() : memo.host(part, input, build);
    }

    /** Top-level rules of a dispatch tree and its sub-chains, built together. */
    private record Dispatch(List<Rule> rules, List<Chain> subChains) {
        static Dispatch of(DispatchTree tree, List<String> devices) {
            List<Rule> rules = tree.build(devices);
            return new Dispatch(rules, tree.subChains());
        }
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
            chains.addAll(perVm(vm, "anti-spoof " + family, () -> antiSpoof(vm, family)));
            for (Nic nic : vm.nics()) {
                devices.add(nic.device());
            }
        }
        // physdev-in without --physdev-is-bridged: the check also covers frames addressed to the host.
        Dispatch antiSpoofDispatch = perHost("anti-spoof dispatch " + family, devices, () -> Dispatch.of(
                new DispatchTree(ChainNames.PREFIX + "ds-",
                        device -> new Match.Physdev(device, true, false),
                        device -> new Action.Jump(ChainNames.antiSpoof(device)), "anti-spoof"), devices));
        List<Rule> prerouting = new ArrayList<>(antiSpoofDispatch.rules());
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

    private static List<Chain> antiSpoof(Vm vm, Family family) {
        List<Chain> chains = new ArrayList<>();
        for (Nic nic : vm.nics()) {
            chains.add(AntiSpoofChains.ip(nic, family));
            if (family == Family.IPV6) {
                chains.add(AntiSpoofChains.ndTarget(nic));
            }
        }
        return List.copyOf(chains);
    }

    private TableRules filter(HostState host, Family family) {
        List<Chain> vmChains = new ArrayList<>();
        Map<String, String> ownerOf = new TreeMap<>();
        boolean anyQuota = false;
        for (Vm vm : host.vms().values()) {
            vmChains.add(perVm(vm, "ingress " + family,
                    () -> marks.ingress(vm, FilterChains.ingress(vm, family, quotaDefault))));
            vmChains.add(perVm(vm, "egress " + family,
                    () -> marks.egress(vm, FilterChains.egress(vm, family, quotaDefault))));
            if (QuotaChains.applies(vm, family, quotaDefault)) {
                vmChains.addAll(perVm(vm, "quota " + family, () -> QuotaChains.chains(vm, family, quotaDefault)));
                anyQuota = true;
            }
            for (Nic nic : vm.nics()) {
                ownerOf.put(nic.device(), vm.name());
            }
        }
        List<String> devices = new ArrayList<>(ownerOf.keySet());
        // Both trees depend on the devices and their owners only: rebuilt when a VM or NIC comes or goes.
        Dispatch fromVm = perHost("from-vm dispatch " + family, ownerOf, () -> Dispatch.of(
                new DispatchTree(ChainNames.PREFIX + "de-",
                        device -> new Match.Physdev(device, true, true),
                        device -> new Action.Goto(ChainNames.egress(ownerOf.get(device))), "from"), devices));
        Dispatch towardsVm = perHost("to-vm dispatch " + family, ownerOf, () -> Dispatch.of(
                new DispatchTree(ChainNames.PREFIX + "di-",
                        device -> new Match.Physdev(device, false, true),
                        device -> new Action.Goto(ChainNames.ingress(ownerOf.get(device))), "to"), devices));
        List<Rule> forward = new ArrayList<>(fromVm.rules());
        List<Rule> toVm = towardsVm.rules();
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
        if (anyQuota) {
            all.add(QuotaChains.full(family));
        }
        all.addAll(vmChains);
        return new TableRules("filter", all, List.of(new HookJump("FORWARD", ChainNames.FORWARD)));
    }

    private FamilyRuleset bridge(HostState host) {
        List<Chain> chains = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        for (Vm vm : host.vms().values()) {
            chains.addAll(perVm(vm, "bridge anti-spoof",
                    () -> vm.nics().stream().map(AntiSpoofChains::bridge).toList()));
            for (Nic nic : vm.nics()) {
                devices.add(nic.device());
            }
        }
        // No origin: the bridge family cannot carry comments.
        Dispatch dispatch = perHost("bridge dispatch", devices, () -> Dispatch.of(
                new DispatchTree(ChainNames.PREFIX + "db-", Match.InInterface::new,
                        device -> new Action.Jump(ChainNames.bridgeAntiSpoof(device)), null), devices));
        List<Rule> prerouting = dispatch.rules();
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
