package io.sgagent.ruleset;

import java.util.Objects;

/**
 * One rule: its match arguments in the order iptables-save prints them (so a rendered rule reads exactly like
 * the kernel's own listing) and its action. An empty match matches every packet.
 */
public record Rule(String match, Action action) {
    public Rule {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(action, "action");
        match = match.strip();
    }

    public static Rule of(String match, Action action) {
        return new Rule(match, action);
    }

    public static Rule always(Action action) {
        return new Rule("", action);
    }

    /** The rule as it follows {@code -A <chain> } in restore/save syntax. */
    public String render() {
        return match.isEmpty() ? action.render() : match + " " + action.render();
    }
}
