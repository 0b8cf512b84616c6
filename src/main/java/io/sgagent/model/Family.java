package io.sgagent.model;

/** An IP address family; every rule, set and chain is compiled once per family. */
public enum Family {
    IPV4("ipv4", "0.0.0.0/0"),
    IPV6("ipv6", "::/0");

    private final String label;
    private final String anyCidr;

    Family(String label, String anyCidr) {
        this.label = label;
        this.anyCidr = anyCidr;
    }

    /** Lower-case name used in JSON, metrics tags and kernel object names ("ipv4", "ipv6"). */
    public String label() {
        return label;
    }

    /** The CIDR that means "anywhere" in this family. */
    public String anyCidr() {
        return anyCidr;
    }
}
