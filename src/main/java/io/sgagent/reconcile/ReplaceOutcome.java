package io.sgagent.reconcile;

import java.util.List;

/** The expected outcomes of replacing the whole host state ({@code PUT /api/v1/vms}). Immutable values. */
public sealed interface ReplaceOutcome {
    /** Programmed; {@code removed} lists the VMs that were deleted because the body did not list them. */
    record Applied(List<VmStatus> vms, List<String> removed) implements ReplaceOutcome {
    }

    /** Rejected before any kernel write: seq rules (B10) or host conflicts; each message names the VM. */
    record Rejected(List<String> reasons) implements ReplaceOutcome {
    }

    record Failed(String message) implements ReplaceOutcome {
    }
}
