package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Family;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.IpSet;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Rule;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.ruleset.TableRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The part of a host ruleset that concerns one VM, in save syntax: its own chains, the dispatch rules that
 * lead to them, and its set memberships. This is what {@code GET /api/v1/vms/{name}/ruleset} shows.
 */
public final class VmRulesetView {
    private VmRulesetView() {
    }

    public static String render(Ruleset ruleset, Vm vm) {
        Set<String> own = new HashSet<>();
        own.add(ChainNames.ingress(vm.name()));
        own.add(ChainNames.egress(vm.name()));
        // Its conntrack quota chains (issue 12), where it has them.
        own.add(ChainNames.quota(vm.name()));
        own.add(ChainNames.quotaAccept(vm.name()));
        own.add(ChainNames.quotaOut(vm.name()));
        for (Nic nic : vm.nics()) {
            own.add(ChainNames.antiSpoof(nic.device()));
            own.add(ChainNames.ndTarget(nic.device()));
            own.add(ChainNames.bridgeAntiSpoof(nic.device()));
        }
        StringBuilder out = new StringBuilder();
        out.append("# VM ").append(vm.name()).append(" seq ").append(vm.seq()).append('\n');
        section(out, "# IPv4 (iptables-save syntax)", ruleset.ipv4(), own, false);
        section(out, "# IPv6 (ip6tables-save syntax)", ruleset.ipv6(), own, false);
        section(out, "# bridge (ebtables-save syntax)", ruleset.bridge(), own, true);
        out.append("# ipsets (ipset save syntax)\n");
        for (Family family : Family.values()) {
            Set<String> addresses = new HashSet<>();
            for (IPAddress address : vm.ownAddresses(family)) {
                addresses.add(address.toCanonicalString());
            }
            for (IpSet set : ruleset.sets()) {
                if (set.family() != RulesetCompiler.ipFamily(family)) {
                    continue;
                }
                for (String member : set.members()) {
                    if (addresses.contains(member)) {
                        out.append("add ").append(set.name()).append(' ').append(member).append('\n');
                    }
                }
            }
        }
        return out.toString();
    }

    private static void section(StringBuilder out, String heading, FamilyRuleset family, Set<String> own,
                                boolean bridge) {
        out.append(heading).append('\n');
        for (TableRules table : family.tables()) {
            List<Chain> chains = table.chains().stream().filter(c -> own.contains(c.name())).toList();
            List<String> dispatch = new ArrayList<>();
            for (Chain chain : table.chains()) {
                if (own.contains(chain.name())) {
                    continue;
                }
                for (Rule rule : chain.rules()) {
                    if (targets(rule.action(), own)) {
                        dispatch.add("-A " + chain.name() + " " + rule.render());
                    }
                }
            }
            if (!chains.isEmpty() || !dispatch.isEmpty()) {
                out.append(RestoreRenderer.renderChains(table.table(), chains, dispatch, bridge));
            }
        }
    }

    private static boolean targets(Action action, Set<String> own) {
        String target = action.targetChain();
        return target != null && own.contains(target);
    }
}
