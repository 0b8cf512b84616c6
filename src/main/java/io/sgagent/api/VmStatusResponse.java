package io.sgagent.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.VmDrops;
import io.sgagent.reconcile.VmStatus;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * What the agent has programmed for one VM: the VM in request shape (normalised: canonical addresses and
 * CIDRs, lower-case MAC, normalised protocol names, explicit port ranges, -1 for "any" ICMP type/code) plus
 * whether each family bypasses conntrack and when it was applied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "VmStatus", description = "The programmed state of one VM, normalised, with its conntrack bypass "
        + "status.")
record VmStatusResponse(
        @Schema(description = "VM name.", example = "web-1") String name,
        @Schema(description = "Numeric id from the request; omitted when none was given.", example = "7") Long vmId,
        @Schema(description = "The seq of the programmed state.", example = "12") long seq,
        @ArraySchema(arraySchema = @Schema(description = "NICs, addresses in canonical form.")) List<NicDto> nics,
        @ArraySchema(arraySchema = @Schema(description = "Ingress allow rules, normalised.")) List<RuleDto> ingress,
        @ArraySchema(arraySchema = @Schema(description = "Egress allow rules, normalised.")) List<RuleDto> egress,
        @Schema(description = "Per family: true if this VM's traffic bypasses conntrack (allow-all ingress and open egress).") Notrack notrack,
        @Schema(description = "When this state was programmed into the kernel (ISO-8601 instant).",
                example = "2026-11-26T10:15:30.123Z") String appliedAt,
        @Schema(description = "Only in GET of one VM: packets and bytes dropped by this VM's default deny "
                + "(ingress, egress) and anti-spoofing (egress) since its chains were last written.")
        Dropped dropped,
        @Schema(description = "Only in GET of one VM: its conntrack quota (issue 12) and usage.")
        Conntrack conntrack,
        @Schema(description = "The VM's own conntrackLimit as requested; omitted when it uses the host default.",
                example = "20000")
        Integer conntrackLimit) {

    @Schema(name = "VmConntrack", description = "The VM's conntrack quota and usage.")
    record Conntrack(
            @Schema(description = "Tracked connections allowed per family (the VM's conntrackLimit, else the host "
                    + "default sgagent.conntrack.vm-limit); 0: no quota.", example = "20000") long limit,
            @Schema(description = "Conntrack entries in which one of the VM's addresses is the original source or "
                    + "destination, both families, from a census of the table at most a few seconds old.",
                    example = "1234") long current,
            @Schema(description = "New connections refused by the quota since its chains were last written.",
                    example = "0") long refused) {
    }

    @Schema(name = "Dropped", description = "Packets and bytes dropped per direction.")
    record Dropped(Counter ingress, Counter egress) {
        static Dropped from(VmDrops drops) {
            return new Dropped(new Counter(drops.ingressPackets(), drops.ingressBytes()),
                    new Counter(drops.egressPackets(), drops.egressBytes()));
        }
    }

    @Schema(name = "DropCounter", description = "Dropped packets and bytes.")
    record Counter(@Schema(example = "12") long packets, @Schema(example = "720") long bytes) {
    }

    @Schema(name = "Notrack", description = "Whether the VM is untracked, per family.")
    record Notrack(
            @Schema(description = "IPv4 traffic of this VM bypasses conntrack.", example = "false") boolean ipv4,
            @Schema(description = "IPv6 traffic of this VM bypasses conntrack.", example = "false") boolean ipv6) {
    }

    static VmStatusResponse from(VmStatus status) {
        Vm vm = status.vm();
        return new VmStatusResponse(vm.name(), vm.vmId(), vm.seq(),
                vm.nics().stream().map(NicDto::from).toList(),
                vm.ingress().stream().map(RuleDto::from).toList(),
                vm.egress().stream().map(RuleDto::from).toList(),
                new Notrack(status.notrackIpv4(), status.notrackIpv6()),
                status.appliedAt() == null ? null : status.appliedAt().toString(), null, null, vm.conntrackLimit());
    }

    VmStatusResponse withDropped(VmDrops drops) {
        return new VmStatusResponse(name, vmId, seq, nics, ingress, egress, notrack, appliedAt,
                drops == null ? null : Dropped.from(drops), conntrack, conntrackLimit);
    }

    VmStatusResponse withConntrack(Conntrack figures) {
        return new VmStatusResponse(name, vmId, seq, nics, ingress, egress, notrack, appliedAt, dropped, figures,
                conntrackLimit);
    }
}
