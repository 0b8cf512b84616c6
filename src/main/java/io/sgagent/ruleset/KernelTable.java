package io.sgagent.ruleset;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the kernel currently holds of ours in one table, as read back before a write: the chains with our
 * prefix (with their rules) and, per built-in chain, every rule jumping to one of our chains, in order, with
 * its 1-based position.
 */
public record KernelTable(String table, Set<String> ownChains, Map<String, List<BuiltinJump>> builtinJumps,
                          Map<String, List<String>> chainRules) {
    public static KernelTable empty(String table) {
        return new KernelTable(table, Set.of(), Map.of(), Map.of());
    }

    public KernelTable {
        ownChains = Set.copyOf(ownChains);
        builtinJumps = Map.copyOf(builtinJumps);
        chainRules = Map.copyOf(chainRules);
    }

    /**
     * Per own chain, the hash of each rule in kernel order (see {@link Rule#hashOfListed}): compare with
     * {@link Chain#hashes()} to tell whether the kernel holds the chain we wrote, without normalising rule text.
     */
    public Map<String, List<String>> chainHashes() {
        Map<String, List<String>> hashes = new java.util.HashMap<>();
        chainRules.forEach((chain, lines) -> hashes.put(chain, lines.stream()
                .map(line -> Rule.hashOfListed(listedRule(chain, line))).toList()));
        return hashes;
    }

    private static String listedRule(String chain, String line) {
        String head = "-A " + chain + " ";
        return line.startsWith(head) ? line.substring(head.length()) : line;
    }

    /** A rule in a built-in chain that jumps to one of our chains. */
    public record BuiltinJump(int position, String target) {
    }

    /** True when our only jump in the hook's built-in chain is the hook itself, as its first rule. */
    public boolean hookInPlace(HookJump hook) {
        return builtinJumps.getOrDefault(hook.builtinChain(), List.of())
                .equals(List.of(new BuiltinJump(1, hook.target())));
    }

    /** Positions of our jumps per built-in chain. */
    public Map<String, List<Integer>> hookJumpPositions() {
        return builtinJumps.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().stream().map(BuiltinJump::position).toList()));
    }

    /** Our jumps in one built-in chain (the hook, duplicates of it, or jumps to chains of an older layout). */
    public List<BuiltinJump> jumpsIn(String builtinChain) {
        return builtinJumps.getOrDefault(builtinChain, List.of());
    }
}
