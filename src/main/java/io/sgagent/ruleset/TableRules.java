package io.sgagent.ruleset;

import java.util.List;
import java.util.Optional;

/** Our chains in one table ({@code filter}, {@code raw}, or the bridge {@code nat} table) and our hooks. */
public record TableRules(String table, List<Chain> chains, List<HookJump> hooks) {
    public TableRules {
        chains = List.copyOf(chains);
        hooks = List.copyOf(hooks);
    }

    public Optional<Chain> chain(String name) {
        return chains.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
