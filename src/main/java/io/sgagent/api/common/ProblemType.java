package io.sgagent.api.common;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The one list of problem types of the agent's HTTP interfaces (the v1 API and the CloudStack endpoints), each
 * with its status and title. Clients tell failures apart by {@code type}, never by parsing {@code detail}; the
 * same failure (a device another VM owns, a kernel that refused) has the same type whichever endpoint hit it.
 */
public enum ProblemType {
    /** A field of the body, the path or the options is invalid; {@code errors} names each field. */
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request"),
    /** No or a wrong bearer token. */
    UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized"),
    /** The VM named in the path does not exist. */
    VM_NOT_FOUND(HttpStatus.NOT_FOUND, "vm-not-found", "VM not found"),
    /** CloudStack names a VM or NIC the agent does not know, and the call cannot be carried out without it. */
    CLOUDSTACK_UNKNOWN_VM(HttpStatus.NOT_FOUND, "cloudstack-unknown-vm", "Unknown VM or NIC"),
    /** The request's seq is lower than the stored one (B10); {@code requestedSeq}, {@code currentSeq}. */
    STALE_SEQ(HttpStatus.CONFLICT, "stale-seq", "Stale seq"),
    /** Same seq as stored, different content (B10); {@code currentSeq}. */
    SEQ_REUSED(HttpStatus.CONFLICT, "seq-reused", "Seq reused"),
    /** A device, MAC or address (link-local included) another VM on this host owns; {@code detail} names it. */
    HOST_CONFLICT(HttpStatus.CONFLICT, "host-conflict", "Conflict with another VM"),
    /** A full host-state replace rejected before any kernel write; {@code reasons} names each VM. */
    HOST_STATE_REJECTED(HttpStatus.CONFLICT, "host-state-rejected", "Host state rejected"),
    /** The device exists on this host and is not a VM port (a bridge, a physical NIC, a VLAN, loopback). */
    DEVICE_NOT_A_VM_PORT(HttpStatus.CONFLICT, "device-not-a-vm-port", "Device is not a VM port"),
    /** A request within every size limit that would still take the host beyond one; {@code limit}, {@code max}. */
    LIMIT_EXCEEDED(HttpStatus.CONFLICT, "limit-exceeded", "Limit exceeded"),
    /** The body is larger than the configured limit; {@code limit}, {@code max}. */
    BODY_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Request body too large"),
    /** A bug or an I/O surprise; the agent log has the details. */
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error"),
    /** The kernel was programmed but the CloudStack view could not be stored; the next resync repairs it. */
    CLOUDSTACK_VIEW_NOT_STORED(HttpStatus.INTERNAL_SERVER_ERROR, "cloudstack-view-not-stored",
            "CloudStack view not stored"),
    /** The kernel refused the transaction; the previous rules stay in force. */
    APPLY_FAILED(HttpStatus.SERVICE_UNAVAILABLE, "apply-failed", "Kernel apply failed");

    public static final String PREFIX = "urn:sgagent:problem:";

    private final HttpStatus status;
    private final String slug;
    private final String title;

    ProblemType(HttpStatus status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    public URI uri() {
        return URI.create(PREFIX + slug);
    }

    /** A problem body of this type. */
    public ProblemDetail detail(String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(uri());
        body.setTitle(title);
        return body;
    }

    /** A problem of this type as an exception Spring's {@code ResponseEntityExceptionHandler} renders. */
    public ErrorResponseException exception(String detail) {
        return new ErrorResponseException(status, detail(detail), null);
    }
}
