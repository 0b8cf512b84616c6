package io.sgagent.api;

import io.sgagent.api.common.FieldError;
import io.sgagent.api.common.ProblemType;
import io.sgagent.model.HostState;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.InvalidInputException.Violation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The one place where exceptions become HTTP answers, all as RFC 9457 {@code application/problem+json}.
 * Extending {@link ResponseEntityExceptionHandler} makes Spring's own errors (404 no such path, 405, 415, ...)
 * problems too, and so does every {@link ErrorResponseException} the controllers throw (built by
 * {@link io.sgagent.api.common.OutcomeProblems} from the service's outcomes, types from {@link ProblemType}). The
 * handlers here add: invalid input (model or JSON) → 400 with {@code errors: [{field, message}]}, cross-VM
 * conflicts in one body → 409, anything unexpected → 500 without internals in the body (logged instead). As a
 * {@code @RestControllerAdvice} without a filter it serves the CloudStack endpoints too.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    private static final int DETAIL_MAX_VIOLATIONS = 5;
    /** A hostile body can hold thousands of bad values; the answer lists the first ones and counts the rest. */
    static final int MAX_LISTED_VIOLATIONS = 100;
    static final String ROOT_FIELD = "body";

    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<Object> invalidInput(InvalidInputException ex, WebRequest request) {
        return badRequest(ex, ex.violations(), request);
    }

    /** Two VMs of one host-state body claim one device, MAC or address: the same type as a PUT's conflict. */
    @ExceptionHandler(HostState.HostConflictException.class)
    ResponseEntity<Object> hostConflict(HostState.HostConflictException ex, WebRequest request) {
        return handleExceptionInternal(ex, ProblemType.HOST_CONFLICT.detail(ex.getMessage()), new HttpHeaders(),
                ProblemType.HOST_CONFLICT.status(), request);
    }

    /** The expected problems ({@link io.sgagent.api.common.OutcomeProblems}); a kernel refusal is also logged. */
    @Override
    protected ResponseEntity<Object> handleErrorResponseException(ErrorResponseException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        if (status.is5xxServerError()) {
            log.warn("{} answered {}: {}", request.getDescription(false), status.value(), ex.getBody().getDetail());
        }
        return super.handleErrorResponseException(ex, headers, status, request);
    }

    /** A body stream that went beyond the limit outside the JSON converter (normally it is wrapped, see below). */
    @ExceptionHandler(RequestBodyLimitFilter.BodyTooLargeException.class)
    ResponseEntity<Object> bodyTooLarge(RequestBodyLimitFilter.BodyTooLargeException ex, WebRequest request) {
        return tooLarge(ex, request);
    }

    /** Bugs and I/O surprises: the client gets a generic 500, the log gets the stack trace. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
        log.error("unexpected error handling {}", request.getDescription(false), ex);
        ProblemDetail body = ProblemType.INTERNAL_ERROR.detail(
                "an unexpected error occurred; the agent log has the details");
        return handleExceptionInternal(ex, body, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    /**
     * Unreadable bodies: malformed JSON, unknown fields, wrong JSON types, numbers out of range, missing body.
     * Spring wraps the Jackson 3 exception; its path references give the JSON path of the offending field.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        RequestBodyLimitFilter.BodyTooLargeException tooLarge =
                findCause(ex, RequestBodyLimitFilter.BodyTooLargeException.class);
        if (tooLarge != null) {
            return tooLarge(tooLarge, request);
        }
        JacksonException jackson = findCause(ex, JacksonException.class);
        Violation violation = jackson == null
                ? new Violation(ROOT_FIELD, ex.getMessage() != null && ex.getMessage().startsWith("Required request body")
                        ? "a JSON request body is required" : "the request body could not be read")
                : toViolation(jackson);
        return badRequest(ex, List.of(violation), request);
    }

    /** Every problem body is sent as application/problem+json, whatever the client's Accept header said. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode statusCode,
                                                          WebRequest request) {
        if (body instanceof ProblemDetail) {
            HttpHeaders withType = new HttpHeaders();
            withType.putAll(headers);
            withType.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
            headers = withType;
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    private ResponseEntity<Object> tooLarge(RequestBodyLimitFilter.BodyTooLargeException ex, WebRequest request) {
        log.info("rejected {}: {}", request.getDescription(false), ex.getMessage());
        ProblemDetail body = ProblemType.BODY_TOO_LARGE.detail("the request body exceeds " + ex.max()
                + " bytes (sgagent.limits." + ex.limit() + ")");
        body.setProperty("limit", "sgagent.limits." + ex.limit());
        body.setProperty("max", ex.max());
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONNECTION, "close");
        return handleExceptionInternal(ex, body, headers, HttpStatus.CONTENT_TOO_LARGE, request);
    }

    private ResponseEntity<Object> badRequest(Exception ex, List<Violation> violations, WebRequest request) {
        ProblemDetail body = ProblemType.INVALID_REQUEST.detail(detail(violations));
        body.setProperty("errors", violations.stream().limit(MAX_LISTED_VIOLATIONS)
                .map(v -> new FieldError(v.field(), Objects.toString(v.message(), "invalid")))
                .toList());
        if (violations.size() > MAX_LISTED_VIOLATIONS) {
            body.setProperty("errorsOmitted", violations.size() - MAX_LISTED_VIOLATIONS);
        }
        return handleExceptionInternal(ex, body, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    private static String detail(List<Violation> violations) {
        if (violations.isEmpty()) {
            return "the request is invalid";
        }
        String shown = violations.stream().limit(DETAIL_MAX_VIOLATIONS)
                .map(v -> v.field() + ": " + v.message()).collect(Collectors.joining("; "));
        int more = violations.size() - DETAIL_MAX_VIOLATIONS;
        return more > 0 ? shown + "; and " + more + " more (see errors)" : shown;
    }

    private static <T extends Throwable> T findCause(Throwable ex, Class<T> type) {
        int depth = 0;
        for (Throwable t = ex.getCause(); t != null && depth < 32; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t == t.getCause()) {
                break;
            }
        }
        return null;
    }

    /** A client-facing message per kind of Jackson failure; Jackson's own texts name Java classes. */
    static Violation toViolation(JacksonException e) {
        String field = jsonPath(e.getPath());
        String message;
        if (e instanceof UnrecognizedPropertyException unknown) {
            message = "unknown field '" + unknown.getPropertyName() + "'" + knownFields(unknown.getKnownPropertyIds());
        } else if (e instanceof InputCoercionException) {
            message = "number is out of range";
        } else if (e instanceof MismatchedInputException mismatch) {
            message = mismatch.getTargetType() == null ? "wrong JSON type"
                    : "must be " + jsonType(mismatch.getTargetType());
        } else if (e instanceof StreamReadException) {
            message = "malformed JSON: " + e.getOriginalMessage() + location(e.getLocation());
        } else {
            message = "invalid value";
        }
        return new Violation(field, message);
    }

    /** Jackson's reference chain as {@code nics[0].foo} or {@code vms[web-1].seq}; the root is "body". */
    static String jsonPath(List<JacksonException.Reference> path) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : path) {
            String property = ref.getPropertyName();
            if (property != null) {
                if (isMap(ref.from())) {
                    sb.append('[').append(property).append(']');
                } else {
                    sb.append(sb.isEmpty() ? "" : ".").append(property);
                }
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? ROOT_FIELD : sb.toString();
    }

    private static boolean isMap(Object from) {
        return from instanceof Map<?, ?> || (from instanceof Class<?> c && Map.class.isAssignableFrom(c));
    }

    private static String knownFields(Collection<Object> known) {
        if (known == null || known.isEmpty()) {
            return "";
        }
        List<String> names = new ArrayList<>();
        known.forEach(k -> names.add(String.valueOf(k)));
        names.sort(null);
        return "; known fields: " + String.join(", ", names);
    }

    private static String jsonType(Class<?> type) {
        if (type == Long.class || type == Integer.class || type == long.class || type == int.class
                || type == Short.class || type == short.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String location(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
