package io.sgagent.cloudstack;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * CloudStack's incremental view of one VM, as the adapter has accumulated it from the script calls: the NICs
 * registered by {@code default_network_rules}, the rule string, signature and seq of the last
 * {@code add_network_rules}, and the fields of the {@code get_rule_logs_for_vms} tuple. {@code agentSeq} is the seq
 * of the sg-agent VM this view was last folded into; the view is <em>in force</em> only while the agent's stored VM
 * has exactly that seq (see {@link CloudStackAdapter}). Immutable.
 *
 * @param seq CloudStack's seq of the rules ({@code -1} before the first {@code add_network_rules})
 * @param sig CloudStack's signature of the rules ({@code _initial_} before the first {@code add_network_rules})
 * @param ip  the address CloudStack names the VM by in the tuple (the guest IP of its default NIC)
 */
record CloudStackVm(String name, long vmId, String domId, String ip, String sig, long seq, String rules,
                    List<CloudStackNic> nics, long agentSeq) {
    static final String INITIAL_SIG = "_initial_";
    static final long INITIAL_SEQ = -1;

    CloudStackVm {
        Objects.requireNonNull(name, "name");
        domId = domId == null ? "-1" : domId;
        ip = ip == null ? "" : ip;
        sig = sig == null ? INITIAL_SIG : sig;
        rules = rules == null ? "" : rules;
        nics = List.copyOf(nics);
    }

    /** A VM as the first NIC's {@code default_network_rules} leaves it: that NIC, no rules yet. */
    static CloudStackVm started(String name, long vmId, String domId, CloudStackNic nic, long agentSeq) {
        return new CloudStackVm(name, vmId, domId, nic.primaryAddress(), INITIAL_SIG, INITIAL_SEQ, "", List.of(nic),
                agentSeq);
    }

    /** The NIC with this device, else the one with this MAC; null when neither matches. */
    CloudStackNic nic(String vif, String mac) {
        if (vif != null) {
            for (CloudStackNic nic : nics) {
                if (nic.vif().equals(vif)) {
                    return nic;
                }
            }
        }
        if (mac != null) {
            for (CloudStackNic nic : nics) {
                if (nic.mac().equals(mac)) {
                    return nic;
                }
            }
        }
        return null;
    }

    /** This NIC replaces the one with its device (or its MAC), or is appended. */
    CloudStackVm withNic(CloudStackNic nic) {
        List<CloudStackNic> next = new ArrayList<>(nics);
        CloudStackNic old = nic(nic.vif(), nic.mac());
        if (old == null) {
            next.add(nic);
        } else {
            next.set(next.indexOf(old), nic);
        }
        return new CloudStackVm(name, vmId, domId, ip, sig, seq, rules, next, agentSeq);
    }

    CloudStackVm withoutNic(CloudStackNic nic) {
        List<CloudStackNic> next = new ArrayList<>(nics);
        next.remove(nic);
        return new CloudStackVm(name, vmId, domId, ip, sig, seq, rules, next, agentSeq);
    }

    CloudStackVm withRules(long newVmId, String newDomId, String newIp, String newSig, long newSeq, String newRules) {
        return new CloudStackVm(name, newVmId, newDomId, newIp, newSig, newSeq, newRules, nics, agentSeq);
    }

    CloudStackVm withAgentSeq(long newAgentSeq) {
        return new CloudStackVm(name, vmId, domId, ip, sig, seq, rules, nics, newAgentSeq);
    }

    /** The {@code get_rule_logs_for_vms} entry: {@code name,vmId,ip,domId,signature,seq}. */
    String tuple() {
        return tuple(sig, seq);
    }

    /** The entry of a VM whose rules are not in force: CloudStack resends the rules of a VM whose seq differs. */
    String initialTuple() {
        return tuple(INITIAL_SIG, INITIAL_SEQ);
    }

    private String tuple(String signature, long sequence) {
        return String.join(",", name, Long.toString(vmId), ip, domId, signature, Long.toString(sequence));
    }

    /**
     * One NIC as CloudStack describes it. Addresses are in canonical form; {@code ip}/{@code ip6} may be null (an
     * IPv6-only or IPv4-only NIC).
     */
    record CloudStackNic(String vif, String mac, String ip, String ip6, List<String> secIps, String brName) {
        CloudStackNic {
            Objects.requireNonNull(vif, "vif");
            Objects.requireNonNull(mac, "mac");
            secIps = List.copyOf(secIps);
        }

        String primaryAddress() {
            return ip != null ? ip : ip6 != null ? ip6 : "";
        }

        CloudStackNic withSecIps(List<String> newSecIps) {
            return new CloudStackNic(vif, mac, ip, ip6, newSecIps, brName);
        }
    }
}
