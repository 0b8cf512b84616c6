package io.sgagent.netfilter;

/**
 * What the writers tell the layer above about an apply, so metrics can count fallbacks and failures without
 * netfilter knowing a metrics library. Called on the writing thread; implementations must be quick and must
 * not throw.
 */
public interface ApplyEvents {
    ApplyEvents NONE = new ApplyEvents() {
    };

    /** An incremental apply failed and a full apply (read back, rewrite) was tried instead. */
    default void fellBackToFull() {
    }

    /** One writer's transaction was refused; {@code family} is "ipv4", "ipv6", "bridge" or "ipset". */
    default void failed(String family) {
    }
}
