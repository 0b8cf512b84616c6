package io.sgagent.compiler;

import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Dispatch by bridge port without a linear list: a packet from (or to) device {@code vnet734} must reach that
 * device's chain in a few rule evaluations whether the host runs ten VMs or a thousand. Like Calico's
 * interface-prefix tree, devices are grouped by name prefix with the {@code +} wildcard that physdev and
 * ebtables both understand: a leaf chain holds at most {@link #FANOUT} exact devices; an inner chain one rule
 * per distinct next character of the names below it (at most the 65 characters a device name may use),
 * each leading to a sub-chain. Per packet that is about FANOUT x depth evaluations (depth 2-3 for
 * 1000 devices) instead of N; and adding a VM rewrites only the small chains on its path, not one N-rule chain.
 */
final class DispatchTree {
    static final int FANOUT = 16;

    private final String chainPrefix;
    private final Function<String, Match> deviceMatch;
    private final Function<String, Action> leafAction;
    private final String origin;
    private final List<Chain> subChains = new ArrayList<>();

    /**
     * @param chainPrefix name prefix of the sub-chains, e.g. "sga-fe-"; a sub-chain is named by it plus the
     *                    device-name prefix it serves (device names are at most 15 characters)
     * @param deviceMatch renders the match for a device name or a wildcard prefix ending in "+"
     * @param leafAction  what to do with a packet of one device
     * @param origin      what the dispatch is for, e.g. "from" (the rule origin is it plus the device pattern);
     *                    null for rules that cannot carry a comment (bridge family)
     */
    DispatchTree(String chainPrefix, Function<String, Match> deviceMatch, Function<String, Action> leafAction,
                 String origin) {
        this.chainPrefix = chainPrefix;
        this.deviceMatch = deviceMatch;
        this.leafAction = leafAction;
        this.origin = origin;
    }

    /** The rules of the top-level dispatch (to be placed in the caller's chain) for these devices. */
    List<Rule> build(List<String> devices) {
        return rules("", new TreeMap<>(index(devices)));
    }

    /** The sub-chains created by {@link #build}. */
    List<Chain> subChains() {
        return subChains;
    }

    private static Map<String, String> index(List<String> devices) {
        Map<String, String> byName = new TreeMap<>();
        for (String device : devices) {
            byName.put(device, device);
        }
        return byName;
    }

    private List<Rule> rules(String prefix, SortedMap<String, String> devices) {
        List<Rule> rules = new ArrayList<>();
        if (devices.size() <= FANOUT) {
            for (String device : devices.keySet()) {
                rules.add(rule(device, leafAction.apply(device)));
            }
            return rules;
        }
        String common = commonPrefix(devices.firstKey(), devices.lastKey());
        if (devices.containsKey(common)) {
            rules.add(rule(common, leafAction.apply(common)));
        }
        // Group by the first character after the common prefix; recurse where a group is large.
        SortedMap<String, SortedMap<String, String>> groups = new TreeMap<>();
        for (String device : devices.keySet()) {
            if (device.length() > common.length()) {
                String key = device.substring(0, common.length() + 1);
                groups.computeIfAbsent(key, k -> new TreeMap<>()).put(device, device);
            }
        }
        for (Map.Entry<String, SortedMap<String, String>> group : groups.entrySet()) {
            SortedMap<String, String> members = group.getValue();
            if (members.size() == 1) {
                String device = members.firstKey();
                rules.add(rule(device, leafAction.apply(device)));
            } else {
                String chain = chainPrefix + group.getKey();
                subChains.add(new Chain(chain, rules(group.getKey(), members)));
                // Jump, not goto: a device outside our set that shares the prefix (an unmanaged tap) must fall
                // back into the parent and on to the rules after the dispatch, never skip them.
                rules.add(rule(group.getKey() + "+", new Action.Jump(chain)));
            }
        }
        return rules;
    }

    private Rule rule(String devicePattern, Action action) {
        return new Rule(List.of(deviceMatch.apply(devicePattern)), action,
                origin == null ? null : origin + " " + devicePattern);
    }

    static String commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return a.substring(0, i);
    }
}
