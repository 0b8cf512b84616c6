package io.sgagent.kernel;

import io.sgagent.testbed.Testbed;
import java.util.List;

/** Reads of the hypervisor namespace used as evidence by the kernel tests. */
final class KernelAssertions {
    private KernelAssertions() {
    }

    /** conntrack entries (both families) whose tuples mention {@code address}. */
    static List<String> conntrackOf(Testbed testbed, String address) {
        return testbed.conntrackEntries().stream()
                .filter(line -> line.contains("src=" + address + " ") || line.contains("dst=" + address + " "))
                .toList();
    }

    /** Everything the kernel holds in the hypervisor namespace: rules of both families, bridge rules, sets. */
    static String kernelDump(Testbed testbed) {
        return String.join("\n",
                testbed.execHv("iptables-save"),
                testbed.execHv("ip6tables-save"),
                testbed.execHv("ebtables-nft-save"),
                testbed.execHv("ipset", "save"));
    }

    static List<String> setMembers(Testbed testbed, String set) {
        return testbed.execHv("ipset", "save", set).lines()
                .filter(line -> line.startsWith("add "))
                .map(line -> line.split("\\s+")[2])
                .toList();
    }
}
