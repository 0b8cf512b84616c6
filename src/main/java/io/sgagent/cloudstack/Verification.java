package io.sgagent.cloudstack;

import io.sgagent.cloudstack.CloudStackResult.Done;
import io.sgagent.model.Family;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.Nic;
import io.sgagent.reconcile.SecurityGroupService;
import io.sgagent.reconcile.VmStatus;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code verify_network_rules}: the exit codes 2-5 of CloudStack's script, mapped onto what sg-agent programs
 * (CloudStack's parts are an ipset, the bridge framework, the VM's default chain and its ebtables chains; sg-agent
 * has one declarative VM instead, so each code names the corresponding part of it). Stateless.
 */
final class Verification {
    private Verification() {
    }

    /**
     * Checks the agent's programmed state (not the view) for one NIC, in the script's order: exit 2 an address
     * (--vmip, --vmip6, --nicsecips) is not programmed for the VM, 3 the agent cannot currently program the
     * kernel, 4 the NIC's device is not programmed for the VM, 5 the programmed device has another MAC.
     */
    static CloudStackResult verify(CloudStackCall call, boolean kernelReady, SecurityGroupService service) {
        CloudStackArgs args = new CloudStackArgs();
        String name = args.name(call.vmName());
        String mac = args.mac(call.vmMac(), true);
        String vif = args.vif(call.vif(), false);
        String ip = args.address("--vmip", call.vmIp());
        String ip6 = args.address("--vmip6", call.vmIp6(), Family.IPV6);
        List<String> secIps = args.secondaryIps(call.nicSecIps());
        if (!args.violations().isEmpty()) {
            throw new InvalidInputException(args.violations());
        }
        Optional<VmStatus> current = service.get(name);
        Set<String> expected = new LinkedHashSet<>();
        if (ip != null) {
            expected.add(ip);
        }
        if (ip6 != null) {
            expected.add(ip6);
        }
        expected.addAll(secIps);
        Set<String> programmed = new HashSet<>();
        current.ifPresent(status -> status.vm().nics().forEach(nic -> {
            nic.ipv4().forEach(a -> programmed.add(a.toCanonicalString()));
            nic.ipv6().forEach(a -> programmed.add(a.toCanonicalString()));
        }));
        List<String> missing = expected.stream().filter(a -> !programmed.contains(a)).toList();
        Long seq = current.map(s -> s.vm().seq()).orElse(null);
        if (current.isEmpty()) {
            return new Done("missing-addresses", "VM " + name + " is not programmed", 2, null);
        }
        if (!missing.isEmpty()) {
            return new Done("missing-addresses", "not programmed for " + name + ": " + String.join(", ", missing), 2,
                    seq);
        }
        if (!kernelReady) {
            return new Done("kernel-not-ready", "the agent cannot currently program the kernel (readiness DOWN)", 3,
                    seq);
        }
        Nic nic = current.get().vm().nics().stream().filter(n -> vif != null ? n.device().equals(vif)
                : n.mac().equals(mac)).findFirst().orElse(null);
        if (nic == null) {
            return new Done("missing-nic", "NIC " + (vif != null ? vif : mac) + " is not programmed for " + name, 4,
                    seq);
        }
        if (!nic.mac().equals(mac)) {
            return new Done("wrong-mac", "NIC " + nic.device() + " of " + name + " is programmed with MAC " + nic.mac(),
                    5, seq);
        }
        return new Done("verified", "NIC " + nic.device() + " of " + name + " is programmed", seq);
    }
}
