package io.sgagent.reconcile;

import io.sgagent.model.Vm;
import java.time.Instant;

/** What the agent has programmed for one VM: its desired state, whether it bypasses conntrack, and when. Immutable. */
public record VmStatus(Vm vm, boolean notrackIpv4, boolean notrackIpv6, Instant appliedAt) {
}
