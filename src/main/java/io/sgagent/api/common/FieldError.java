package io.sgagent.api.common;

import io.swagger.v3.oas.annotations.media.Schema;

/** One rejected field of a request, as listed in a problem's {@code errors}. */
@Schema(name = "FieldError", description = "One rejected field.")
public record FieldError(
        @Schema(description = "JSON path of the field in the request body (`name` for the path variable, "
                + "`--option` for a CloudStack option).", example = "ingress[0].portStart") String field,
        @Schema(description = "Why it was rejected.", example = "port 70000 is outside 1-65535") String message) {
}
