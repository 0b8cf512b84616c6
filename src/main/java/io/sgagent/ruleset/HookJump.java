package io.sgagent.ruleset;

/**
 * The one rule the agent places in a built-in chain ({@code FORWARD}, {@code PREROUTING}): an unconditional
 * jump to its own top-level chain, kept at position 1 so no other program's rule runs before ours.
 */
public record HookJump(String builtinChain, String target) {
    public String rule() {
        return "-j " + target;
    }
}
