package io.sgagent.cloudstack;

import inet.ipaddr.IPAddress;
import io.sgagent.cloudstack.CloudStackVm.CloudStackNic;
import io.sgagent.cloudstack.RuleStringParser.ParsedRules;
import io.sgagent.config.SgAgentProperties.Limits;
import io.sgagent.model.Addresses;
import io.sgagent.model.Family;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.Nic;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Folds CloudStack's view of a VM into one declarative sg-agent {@link Vm}: every NIC in CloudStack's order with its
 * primary and secondary addresses, the rules of the last {@code add_network_rules} shared by all NICs, checked
 * against the API's limits ({@code sgagent.limits.*}) like a request to {@code PUT /api/v1/vms/{name}} is. The seq is
 * left 0 for the caller to set. Pure and stateless.
 */
final class VmFolding {
    private VmFolding() {
    }

    /** The sg-agent VM of a view: every NIC with its addresses, the rules shared by all NICs. */
    static Vm fold(CloudStackVm view, ParsedRules rules, Limits limits) {
        List<InvalidInputException.Violation> violations = new ArrayList<>();
        if (view.nics().size() > limits.nicsPerVm()) {
            violations.add(new InvalidInputException.Violation("--vif", view.name() + " would have "
                    + view.nics().size() + " NICs; the limit is " + limits.nicsPerVm()
                    + " (sgagent.limits.nics-per-vm)"));
        }
        checkRules(rules.ingress(), "ingress", limits, violations);
        checkRules(rules.egress(), "egress", limits, violations);
        List<Nic> nics = new ArrayList<>();
        for (CloudStackNic nic : view.nics()) {
            List<IPAddress> v4 = addresses(nic, Family.IPV4);
            List<IPAddress> v6 = addresses(nic, Family.IPV6);
            if (v4.size() > limits.addressesPerNic() || v6.size() > limits.addressesPerNic()) {
                violations.add(new InvalidInputException.Violation("--nicsecips", "NIC " + nic.vif()
                        + " would have more than " + limits.addressesPerNic()
                        + " addresses of a family (sgagent.limits.addresses-per-nic)"));
            }
            nics.add(new Nic(nic.vif(), nic.mac(), v4, v6));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInputException(violations);
        }
        try {
            return new Vm(view.name(), view.vmId(), 0, nics, rules.ingress(), rules.egress());
        } catch (IllegalArgumentException e) {
            // Two NICs of the VM claiming one device or address.
            throw InvalidInputException.of("--vif", e.getMessage());
        }
    }

    private static void checkRules(List<SgRule> rules, String direction, Limits limits,
                                   List<InvalidInputException.Violation> out) {
        if (rules.size() > limits.rulesPerDirection()) {
            out.add(new InvalidInputException.Violation("--rules", rules.size() + " " + direction + " rules exceed the "
                    + "limit of " + limits.rulesPerDirection() + " (sgagent.limits.rules-per-direction)"));
        }
        for (SgRule rule : rules) {
            if (rule.cidrs().size() > limits.cidrsPerRule()) {
                out.add(new InvalidInputException.Violation("--rules", "a rule with " + rule.cidrs().size()
                        + " CIDRs exceeds the limit of " + limits.cidrsPerRule() + " (sgagent.limits.cidrs-per-rule)"));
                return;
            }
        }
    }

    /** Primary address first, then the secondary ones of that family; each once. */
    private static List<IPAddress> addresses(CloudStackNic nic, Family family) {
        Set<IPAddress> addresses = new LinkedHashSet<>();
        for (String text : concat(nic.ip(), nic.ip6(), nic.secIps())) {
            if (CloudStackArgs.familyOf(text) == family) {
                addresses.add(Addresses.host(text, family));
            }
        }
        return List.copyOf(addresses);
    }

    private static List<String> concat(String ip, String ip6, List<String> more) {
        List<String> all = new ArrayList<>();
        if (ip != null) {
            all.add(ip);
        }
        if (ip6 != null) {
            all.add(ip6);
        }
        all.addAll(more);
        return all;
    }
}
