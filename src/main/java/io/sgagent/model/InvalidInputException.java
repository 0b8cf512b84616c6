package io.sgagent.model;

import java.util.List;

/**
 * Thrown when client input violates the model's invariants. Carries every violation found, each naming the
 * JSON field it concerns, so the API can answer with one problem document listing them all.
 */
public final class InvalidInputException extends RuntimeException {
    private final transient List<Violation> violations;

    public InvalidInputException(List<Violation> violations) {
        super(violations.isEmpty() ? "invalid input" : violations.get(0).field() + ": " + violations.get(0).message());
        this.violations = List.copyOf(violations);
    }

    public static InvalidInputException of(String field, String message) {
        return new InvalidInputException(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }

    /** One rejected field: {@code field} is a JSON path such as {@code nics[0].mac}. */
    public record Violation(String field, String message) {
    }
}
