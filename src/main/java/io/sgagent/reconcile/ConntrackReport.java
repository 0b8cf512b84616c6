package io.sgagent.reconcile;

import java.util.Map;

/**
 * Conntrack pressure of the managed namespace. {@code limit} is the host-wide nf_conntrack_max;
 * {@code usage} = entries / limit. {@code notrackSetEntries} is keyed by family label ("ipv4", "ipv6");
 * {@code stats} holds the kernel's per-CPU statistics summed over CPUs (insert_failed, drop, ...). A value read
 * without any lock; treat it as immutable.
 */
public record ConntrackReport(long entries, long limit, double usage, Map<String, Long> notrackSetEntries,
                              Map<String, Long> stats) {
}
