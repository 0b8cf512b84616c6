package io.sgagent.api.common;

import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import io.sgagent.reconcile.ReplaceOutcome;
import io.sgagent.reconcile.VmStatus;
import java.util.List;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The one mapping of the service's outcomes to HTTP answers, shared by the v1 API and the CloudStack endpoints.
 * Each method takes a sealed outcome and either returns the success value or throws the problem. Java 17 has no
 * pattern switch, so every permitted subtype is named in one {@code instanceof} chain here and nowhere else;
 * {@code OutcomeProblemsTest} walks {@code getPermittedSubclasses()} so a new outcome that is not mapped fails
 * the build instead of reaching the fallthrough.
 */
public final class OutcomeProblems {
    private OutcomeProblems() {
    }

    /** The status of an applied or unchanged PUT; every other outcome as its problem. */
    public static VmStatus statusOrThrow(PutOutcome outcome) {
        if (outcome instanceof PutOutcome.Applied applied) {
            return applied.status();
        }
        if (outcome instanceof PutOutcome.Unchanged unchanged) {
            return unchanged.status();
        }
        throw asException(problem(outcome));
    }

    /**
     * The problem of a PUT that did not take effect; for an applied or unchanged PUT (not a problem) an
     * IllegalArgumentException.
     */
    public static ProblemDetail problem(PutOutcome outcome) {
        if (outcome instanceof PutOutcome.StaleSeq stale) {
            return staleSeq(stale.requestedSeq(), stale.currentSeq());
        } else if (outcome instanceof PutOutcome.SeqReused reused) {
            ProblemDetail body = ProblemType.SEQ_REUSED.detail("seq " + reused.seq()
                    + " was already applied with different content; send a higher seq");
            body.setProperty("currentSeq", reused.seq());
            return body;
        } else if (outcome instanceof PutOutcome.Conflict conflict) {
            return ProblemType.HOST_CONFLICT.detail(conflict.message());
        } else if (outcome instanceof PutOutcome.Failed failed) {
            return kernelFailed(failed.message());
        } else if (outcome instanceof PutOutcome.Applied || outcome instanceof PutOutcome.Unchanged) {
            throw new IllegalArgumentException("not a problem: " + outcome);
        }
        throw new IllegalStateException("unmapped outcome " + outcome);
    }

    /** Nothing for a deleted VM; the problem otherwise ({@code name} is the VM asked for). */
    public static void deletedOrThrow(DeleteOutcome outcome, String name) {
        if (outcome instanceof DeleteOutcome.Deleted) {
            return;
        }
        if (outcome instanceof DeleteOutcome.NotFound) {
            throw vmNotFound(name);
        }
        if (outcome instanceof DeleteOutcome.Failed failed) {
            throw asException(kernelFailed(failed.message()));
        }
        throw new IllegalStateException("unmapped outcome " + outcome);
    }

    /** The applied replace; a rejected or failed one as its problem. */
    public static ReplaceOutcome.Applied appliedOrThrow(ReplaceOutcome outcome) {
        if (outcome instanceof ReplaceOutcome.Applied applied) {
            return applied;
        }
        if (outcome instanceof ReplaceOutcome.Rejected rejected) {
            throw asException(rejected(rejected.reasons()));
        }
        if (outcome instanceof ReplaceOutcome.Failed failed) {
            throw asException(kernelFailed(failed.message()));
        }
        throw new IllegalStateException("unmapped outcome " + outcome);
    }

    public static ErrorResponseException vmNotFound(String name) {
        return ProblemType.VM_NOT_FOUND.exception("no VM named '" + name + "'");
    }

    public static ProblemDetail staleSeq(long requested, long current) {
        ProblemDetail body = ProblemType.STALE_SEQ.detail("seq " + requested + " is lower than the stored seq "
                + current);
        body.setProperty("requestedSeq", requested);
        body.setProperty("currentSeq", current);
        return body;
    }

    public static ProblemDetail rejected(List<String> reasons) {
        ProblemDetail body = ProblemType.HOST_STATE_REJECTED.detail(
                reasons.isEmpty() ? "the host state was rejected" : String.join("; ", reasons));
        body.setProperty("reasons", List.copyOf(reasons));
        return body;
    }

    /** The kernel refused the transaction; the previous rules stay in force. {@code message} is the tool's stderr. */
    public static ProblemDetail kernelFailed(String message) {
        return ProblemType.APPLY_FAILED.detail(message == null || message.isBlank()
                ? "the kernel refused the change" : message);
    }

    /** A request within every size limit that would still take the host beyond one (e.g. a VM too many). */
    public static ProblemDetail limitExceeded(String limit, long max, String detail) {
        ProblemDetail body = ProblemType.LIMIT_EXCEEDED.detail(detail);
        body.setProperty("limit", "sgagent.limits." + limit);
        body.setProperty("max", max);
        return body;
    }

    public static ErrorResponseException asException(ProblemDetail body) {
        return new ErrorResponseException(HttpStatusCode.valueOf(body.getStatus()), body, null);
    }
}
