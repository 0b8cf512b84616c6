package io.sgagent.ruleset;

/**
 * The netfilter families the agent programs, with the tools that speak them. {@code BRIDGE} is the
 * ebtables (nf_tables bridge family) view used for MAC and ARP anti-spoofing.
 */
public enum IpFamily {
    IPV4("iptables-restore", "iptables-save", "inet"),
    IPV6("ip6tables-restore", "ip6tables-save", "inet6"),
    BRIDGE("ebtables-nft-restore", "ebtables-nft-save", null);

    private final String restoreTool;
    private final String saveTool;
    private final String ipsetFamily;

    IpFamily(String restoreTool, String saveTool, String ipsetFamily) {
        this.restoreTool = restoreTool;
        this.saveTool = saveTool;
        this.ipsetFamily = ipsetFamily;
    }

    public String restoreTool() {
        return restoreTool;
    }

    public String saveTool() {
        return saveTool;
    }

    /** The {@code family} argument of {@code ipset create}. */
    public String ipsetFamily() {
        return ipsetFamily;
    }
}
