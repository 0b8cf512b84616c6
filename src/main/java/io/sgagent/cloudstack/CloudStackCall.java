package io.sgagent.cloudstack;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The options of one {@code security_group.py} call, named exactly like the script's options without the dashes
 * ({@code --vmname} → {@code "vmname"}), as strings the way the CloudStack agent passes them. Flags are booleans.
 * {@code domid} and {@code running} are not CloudStack options: the client adds them from libvirt's run directory
 * (the domain id of the VM, and the domains libvirt runs, for {@code cleanup_rules}). Unknown fields are rejected.
 */
@Schema(name = "CloudStackCall", description = "Options of one security_group.py call (names without the dashes)")
record CloudStackCall(
        @JsonProperty("vmname") @Schema(example = "i-2-7-VM") String vmName,
        @JsonProperty("vmid") @Schema(example = "7") String vmId,
        @JsonProperty("vmip") @Schema(example = "10.1.1.7") String vmIp,
        @JsonProperty("vmip6") @Schema(example = "2001:db8::7") String vmIp6,
        @JsonProperty("vmmac") @Schema(example = "1e:00:b4:00:00:07") String vmMac,
        @JsonProperty("vif") @Schema(example = "vnet7") String vif,
        @JsonProperty("brname") @Schema(example = "cloudbr0") String brName,
        @JsonProperty("nicsecips") @Schema(description = "ip1;ip2; or 0; for none", example = "10.1.1.70;")
        String nicSecIps,
        @JsonProperty("isFirstNic") Boolean isFirstNic,
        @JsonProperty("check") Boolean check,
        @JsonProperty("sig")
        @Schema(description = "MD5 of the rule string", example = "8d1c1ae6d5c5c1ad9b4f5b2e0d7a1c33")
        String sig,
        @JsonProperty("seq") @Schema(example = "3") String seq,
        @JsonProperty("rules") @Schema(example = "I:tcp;22;22;0.0.0.0/0,::/0,NEXT;E:all;0;0;0.0.0.0/0,NEXT;")
        String rules,
        @JsonProperty("action") @Schema(description = "-A (add) or -D (delete)", example = "-A") String action,
        @JsonProperty("privnic") String privNic,
        @JsonProperty("localbrname") String localBrName,
        @JsonProperty("dhcpSvr") String dhcpSvr,
        @JsonProperty("hostIp") String hostIp,
        @JsonProperty("hostMacAddr") String hostMacAddr,
        @JsonProperty("directrouted")
        @Schema(description = "CloudStack's --directrouted: the NIC is routed (L3), not bridged. Accepted; true is "
                + "refused by the commands that program a NIC, because sg-agent filters bridge ports", example = "false")
        Boolean directRouted,
        @JsonProperty("domid") @Schema(description = "libvirt domain id (added by the client)", example = "12")
        String domId,
        @JsonProperty("running") @Schema(description = "domains libvirt runs (added by the client)")
        List<String> running) {

    static CloudStackCall empty() {
        return new CloudStackCall(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    boolean firstNic() {
        return Boolean.TRUE.equals(isFirstNic);
    }

    boolean directRoutedOnly() {
        return Boolean.TRUE.equals(directRouted);
    }

    boolean checkOnly() {
        return Boolean.TRUE.equals(check);
    }
}
