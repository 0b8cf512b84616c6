package io.sgagent.reconcile;

import io.sgagent.model.Vm;

/** B10 in one place: how a requested VM's seq relates to the programmed one. Used by put and full-host
 * sync. Stateless, so thread-safe.
 */
enum SeqCheck {
    /** No programmed VM of that name, or a higher seq: apply it. */
    ACCEPT,
    /** Same seq, same content: answer with the status, write nothing. */
    UNCHANGED,
    /** Lower seq than programmed: 409. */
    STALE,
    /** Same seq, different content: 409. */
    REUSED;

    static SeqCheck of(Vm programmed, Vm requested) {
        if (programmed == null || requested.seq() > programmed.seq()) {
            return ACCEPT;
        }
        if (requested.seq() < programmed.seq()) {
            return STALE;
        }
        return requested.sameContent(programmed) ? UNCHANGED : REUSED;
    }
}
