package io.sgagent.ruleset;

/**
 * A restore transaction that is written when asked instead of held as text: the agent renders it straight into
 * the restore tool's input, so the tool parses the first chains while the last ones are still being rendered, and
 * a cold 1000-VM transaction (~10 MB per family) never exists as one String.
 *
 * @param isEmpty true when there is nothing to write (an incremental transaction without changes)
 * @param body    writes the transaction's lines; may be called more than once and writes the same text each time
 */
public record Script(boolean isEmpty, Body body) {
    /** Writes a transaction's lines to a sink. */
    @FunctionalInterface
    public interface Body {
        void writeTo(Sink out);
    }

    /**
     * Where a transaction's text goes: a StringBuilder, or a tool's input. The core does no I/O itself (it stays
     * pure): a sink that writes to a tool reports a failed write as an unchecked exception, which ends the render.
     */
    public interface Sink {
        Sink append(CharSequence text);

        Sink append(char c);
    }

    public void writeTo(Sink out) {
        body.writeTo(out);
    }

    /** The whole transaction as text: for tests, golden files and the API's ruleset view. */
    public String text() {
        StringBuilder text = new StringBuilder();
        body.writeTo(new Sink() {
            @Override
            public Sink append(CharSequence chars) {
                text.append(chars);
                return this;
            }

            @Override
            public Sink append(char c) {
                text.append(c);
                return this;
            }
        });
        return text.toString();
    }
}
