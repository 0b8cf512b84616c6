package io.sgagent.api;

import io.sgagent.api.common.FieldError;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * Documentation only: the shape of every error body (RFC 9457 {@code application/problem+json}) as
 * {@link ApiExceptionHandler} produces it from Spring's {@link org.springframework.http.ProblemDetail}. The types
 * are {@link io.sgagent.api.common.ProblemType}'s.
 */
@Schema(name = "Problem", description = "RFC 9457 problem details. `type` is one of urn:sgagent:problem:"
        + "invalid-request (400), unauthorized (401), vm-not-found (404), cloudstack-unknown-vm (404), stale-seq, "
        + "seq-reused, host-conflict, host-state-rejected, device-not-a-vm-port, limit-exceeded (409), body-too-large "
        + "(413), internal-error, cloudstack-view-not-stored (500), apply-failed (503). Extra members appear only "
        + "for the types named in their description.")
record ProblemSchema(
        @Schema(description = "Problem type URI.", example = "urn:sgagent:problem:invalid-request") String type,
        @Schema(description = "Short summary of the problem type.", example = "Invalid request") String title,
        @Schema(description = "HTTP status code.", example = "400") int status,
        @Schema(description = "Human-readable explanation of this occurrence.",
                example = "nics[0].mac: '02:00:00:00:00' is not a MAC address like 02:00:00:00:00:07") String detail,
        @Schema(description = "The request path.", example = "/api/v1/vms/web-1") String instance,
        @ArraySchema(arraySchema = @Schema(description = "invalid-request and device-not-a-vm-port only: every "
                + "rejected field.")) List<FieldError> errors,
        @Schema(description = "invalid-request only: how many rejected fields were not listed in `errors` (at most "
                + "100 are).", example = "0") Integer errorsOmitted,
        @ArraySchema(arraySchema = @Schema(description = "host-state-rejected only: why the host state was "
                + "rejected, each naming the VM."), schema = @Schema(example = "web-2: seq 3 is lower than the stored seq 5"))
        List<String> reasons,
        @Schema(description = "stale-seq and seq-reused only: the seq the agent has stored for the VM.",
                example = "12") Long currentSeq,
        @Schema(description = "stale-seq only: the seq the request carried.", example = "11") Long requestedSeq,
        @Schema(description = "body-too-large and limit-exceeded only: the setting whose limit was exceeded.",
                example = "sgagent.limits.max-body-size") String limit,
        @Schema(description = "body-too-large and limit-exceeded only: the value of that limit (bytes, or a count).",
                example = "1048576") Long max) {
}
