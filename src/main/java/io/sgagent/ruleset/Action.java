package io.sgagent.ruleset;

/** What a rule does with a matching packet; rendered as the {@code -j}/{@code -g} part of a rule. */
public sealed interface Action {
    Action ACCEPT = new Verdict("ACCEPT");
    Action DROP = new Verdict("DROP");
    Action RETURN = new Verdict("RETURN");
    Action NOTRACK = new Verdict("CT --notrack");

    String render();

    /** The chain this action sends packets to (a jump or a goto), or null for a built-in target. */
    default String targetChain() {
        return null;
    }

    /** A built-in target. */
    record Verdict(String target) implements Action {
        @Override
        public String render() {
            return "-j " + target;
        }
    }

    /** Jump to a chain and come back on RETURN or its end. */
    record Jump(String chain) implements Action {
        @Override
        public String render() {
            return "-j " + chain;
        }

        @Override
        public String targetChain() {
            return chain;
        }
    }

    /**
     * Go to a chain without coming back: its end returns to our caller's caller. Used where the called chain
     * always decides (ACCEPT/DROP) or where falling off it must not resume the dispatch chain.
     */
    record Goto(String chain) implements Action {
        @Override
        public String render() {
            return "-g " + chain;
        }

        @Override
        public String targetChain() {
            return chain;
        }
    }

    /**
     * {@code -j CONNMARK --set-xmark value/mask}: writes {@code value} into the bits of {@code mask} of the flow's
     * conntrack mark and leaves the other bits alone. Does nothing to an untracked packet (it has no entry). Hex,
     * lower case, no leading zeros: the way iptables-save 1.8.9 prints it.
     */
    record ConnMark(long value, long mask) implements Action {
        @Override
        public String render() {
            return "-j CONNMARK --set-xmark 0x" + Long.toHexString(value) + "/0x" + Long.toHexString(mask);
        }
    }
}
