package io.sgagent.api;

import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The expected non-2xx answers of the API as {@link ErrorResponseException}s, which Spring's
 * {@code ResponseEntityExceptionHandler} (our {@link ApiExceptionHandler}) renders as problem+json. Controllers
 * map service outcomes to these; nothing else decides a status code. Each kind has its own {@code type} URI so
 * clients can tell the 409s apart without parsing {@code detail}.
 */
final class Problems {
    static final String TYPE_PREFIX = "urn:sgagent:problem:";

    private Problems() {
    }

    static ErrorResponseException vmNotFound(String name) {
        return problem(HttpStatus.NOT_FOUND, "vm-not-found", "VM not found", "no VM named '" + name + "'");
    }

    static ErrorResponseException staleSeq(long requested, long current) {
        ErrorResponseException e = problem(HttpStatus.CONFLICT, "stale-seq", "Stale seq",
                "seq " + requested + " is lower than the stored seq " + current);
        e.getBody().setProperty("requestedSeq", requested);
        e.getBody().setProperty("currentSeq", current);
        return e;
    }

    static ErrorResponseException seqReused(long seq) {
        ErrorResponseException e = problem(HttpStatus.CONFLICT, "seq-reused", "Seq reused",
                "seq " + seq + " was already applied with different content; send a higher seq");
        e.getBody().setProperty("currentSeq", seq);
        return e;
    }

    static ErrorResponseException conflict(String message) {
        return problem(HttpStatus.CONFLICT, "host-conflict", "Conflict with another VM", message);
    }

    static ErrorResponseException rejected(List<String> reasons) {
        ErrorResponseException e = problem(HttpStatus.CONFLICT, "host-state-rejected", "Host state rejected",
                reasons.isEmpty() ? "the host state was rejected" : String.join("; ", reasons));
        e.getBody().setProperty("reasons", List.copyOf(reasons));
        return e;
    }

    /** A request within every size limit that would still take the host beyond one (e.g. a VM too many). */
    static ErrorResponseException limitExceeded(String limit, long max, String detail) {
        ErrorResponseException e = problem(HttpStatus.CONFLICT, "limit-exceeded", "Limit exceeded", detail);
        e.getBody().setProperty("limit", "sgagent.limits." + limit);
        e.getBody().setProperty("max", max);
        return e;
    }

    /** The request body is larger than the configured limit (413). */
    static ProblemDetail bodyTooLarge(long max, String limit) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
                "the request body exceeds " + max + " bytes (sgagent.limits." + limit + ")");
        body.setType(URI.create(TYPE_PREFIX + "body-too-large"));
        body.setTitle("Request body too large");
        body.setProperty("limit", "sgagent.limits." + limit);
        body.setProperty("max", max);
        return body;
    }

    /** The kernel refused the transaction; the previous rules stay in force. {@code message} is the tool's stderr. */
    static ErrorResponseException kernelFailed(String message) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "apply-failed", "Kernel apply failed",
                message == null || message.isBlank() ? "the kernel refused the change" : message);
    }

    private static ErrorResponseException problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(URI.create(TYPE_PREFIX + type));
        body.setTitle(title);
        return new ErrorResponseException(status, body, null);
    }
}
