package io.sgagent.ruleset;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A restore transaction that is written when asked instead of held as text: the agent renders it straight into
 * the restore tool's input, so the tool parses the first chains while the last ones are still being rendered, and
 * a cold 1000-VM transaction (~10 MB per family) never exists as one String.
 *
 * @param isEmpty true when there is nothing to write (an incremental transaction without changes)
 * @param body    writes the transaction's lines; may be called more than once and writes the same text each time
 */
public record Script(boolean isEmpty, Body body) {
    /** Writes a transaction's lines to {@code out}. */
    @FunctionalInterface
    public interface Body {
        void writeTo(Appendable out) throws IOException;
    }

    public void writeTo(Appendable out) throws IOException {
        body.writeTo(out);
    }

    /** The whole transaction as text: for tests, golden files and the API's ruleset view. */
    public String text() {
        StringBuilder out = new StringBuilder();
        try {
            body.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("a StringBuilder does not throw", e);
        }
        return out.toString();
    }
}
