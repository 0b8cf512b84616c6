package io.sgagent.ruleset;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the kernel currently holds of ours in one table, as read back before a write: the chains with our
 * prefix and, per built-in chain, the 1-based positions of rules jumping to our top-level chain.
 */
public record KernelTable(String table, Set<String> ownChains, Map<String, List<Integer>> hookJumpPositions,
                          Map<String, List<String>> chainRules) {
    public static KernelTable empty(String table) {
        return new KernelTable(table, Set.of(), Map.of(), Map.of());
    }

    public KernelTable {
        ownChains = Set.copyOf(ownChains);
        hookJumpPositions = Map.copyOf(hookJumpPositions);
        chainRules = Map.copyOf(chainRules);
    }

    /** True when exactly one jump to {@code hook.target()} exists and it is the first rule of its chain. */
    public boolean hookInPlace(HookJump hook) {
        List<Integer> positions = hookJumpPositions.getOrDefault(hook.builtinChain(), List.of());
        return positions.equals(List.of(1));
    }
}
