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
}
