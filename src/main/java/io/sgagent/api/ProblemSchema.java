package io.sgagent.api;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * Documentation (and {@link FieldError} serialisation): the shape of every error body (RFC 9457 {@code application/problem+json}) as
 * {@link ApiExceptionHandler} produces it from Spring's {@link org.springframework.http.ProblemDetail}.
 */
@Schema(name = "Problem", description = "RFC 9457 problem details. 400s list every rejected field in `errors`; "
        + "409s from a full host-state replace list the reasons in `reasons`.")
record ProblemSchema(
        @Schema(description = "Problem type URI.", example = "about:blank") String type,
        @Schema(description = "Short summary of the problem type.", example = "Invalid request") String title,
        @Schema(description = "HTTP status code.", example = "400") int status,
        @Schema(description = "Human-readable explanation of this occurrence.",
                example = "nics[0].mac: '02:00:00:00:00' is not a MAC address like 02:00:00:00:00:07") String detail,
        @Schema(description = "The request path.", example = "/api/v1/vms/web-1") String instance,
        @ArraySchema(arraySchema = @Schema(description = "400 only: every rejected field.")) List<FieldError> errors,
        @ArraySchema(arraySchema = @Schema(description = "409 from PUT /api/v1/vms only: why the host state was "
                + "rejected, each naming the VM."), schema = @Schema(example = "web-2: seq 3 is lower than the stored seq 5"))
        List<String> reasons,
        @Schema(description = "400 only: how many rejected fields were not listed in `errors` (at most 100 are).",
                example = "0") Integer errorsOmitted,
        @Schema(description = "413 and 409 limit-exceeded only: the setting whose limit was exceeded.",
                example = "sgagent.limits.max-body-size") String limit,
        @Schema(description = "413 and 409 limit-exceeded only: the value of that limit (bytes, or a count).",
                example = "1048576") Long max) {

    @Schema(name = "FieldError", description = "One rejected field.")
    record FieldError(
            @Schema(description = "JSON path of the field in the request body (or `name` for the path variable).",
                    example = "ingress[0].portStart") String field,
            @Schema(description = "Why it was rejected.", example = "port 70000 is outside 1-65535") String message) {
    }
}
