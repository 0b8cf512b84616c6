package io.sgagent.reconcile;

import java.util.Objects;

/**
 * Who asked for a change, for the audit log: the client certificate's subject when mutual TLS identified the
 * caller, {@code token} when a bearer token authenticated it, {@code anonymous} when API authentication is off,
 * and {@code agent} for work the agent does on its own or for callers that do not say (tests, tools).
 */
public record Actor(String name) {
    public static final Actor TOKEN = new Actor("token");
    public static final Actor ANONYMOUS = new Actor("anonymous");
    public static final Actor AGENT = new Actor("agent");

    public Actor {
        Objects.requireNonNull(name, "name");
    }

    /** A caller identified by its TLS client certificate, e.g. {@code CN=management-plane,O=example}. */
    public static Actor certificate(String subject) {
        return new Actor(subject);
    }

    @Override
    public String toString() {
        return name;
    }
}
