package io.sgagent.model;

/** Ingress is traffic to the VM, egress traffic from it. */
public enum Direction {
    INGRESS, EGRESS;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
