package io.sgagent.ruleset;

import java.util.List;

/** A chain the agent owns, with its complete content. Applying it always rewrites it as a whole. */
public record Chain(String name, List<Rule> rules) {
    public Chain {
        if (name.length() > 28) {
            throw new IllegalArgumentException("chain name longer than 28 characters: " + name);
        }
        rules = List.copyOf(rules);
    }

    /**
     * The hash of each rule, in order: equal to {@code KernelTable.chainHashes().get(name)} when the kernel
     * holds exactly this chain.
     */
    public List<String> hashes() {
        return rules.stream().map(Rule::hash).toList();
    }
}
