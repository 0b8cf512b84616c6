package io.sgagent.api;

import io.sgagent.reconcile.ConntrackReport;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Map;
import java.util.TreeMap;

/** {@code GET /api/v1/conntrack}. */
@Schema(name = "Conntrack", description = "Connection-tracking pressure of the managed network namespace.")
record ConntrackResponse(
        @Schema(description = "Current number of conntrack entries.", example = "1834") long entries,
        @Schema(description = "Host-wide nf_conntrack_max.", example = "262144") long limit,
        @Schema(description = "entries / limit, 0..1.", example = "0.007") double usage,
        @Schema(description = "Members of the host's notrack sets per family.") NotrackSetEntries notrackSetEntries,
        @Schema(description = "Kernel per-CPU conntrack statistics summed over CPUs (insert_failed, drop, "
                + "early_drop, invalid, search_restart, clash_resolve, chaintoolong, ...).",
                example = "{\"drop\": 0, \"early_drop\": 0, \"insert_failed\": 0, \"invalid\": 3}")
        Map<String, Long> stats) {

    @Schema(name = "NotrackSetEntries", description = "Addresses in the notrack set, per family.")
    record NotrackSetEntries(
            @Schema(description = "Members of the IPv4 notrack set.", example = "4") long ipv4,
            @Schema(description = "Members of the IPv6 notrack set (includes link-local addresses).", example = "6")
            long ipv6) {
    }

    static ConntrackResponse from(ConntrackReport report) {
        Map<String, Long> sets = report.notrackSetEntries() == null ? Map.of() : report.notrackSetEntries();
        Map<String, Long> stats = report.stats() == null ? Map.of() : report.stats();
        return new ConntrackResponse(report.entries(), report.limit(), report.usage(),
                new NotrackSetEntries(sets.getOrDefault("ipv4", 0L), sets.getOrDefault("ipv6", 0L)),
                new TreeMap<>(stats));
    }
}
