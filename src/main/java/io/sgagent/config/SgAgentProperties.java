package io.sgagent.config;

import io.sgagent.compiler.ConnMarks;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the agent ({@code sgagent.*}).
 *
 * @param netfilter where and how the kernel is programmed
 * @param stateDir  directory holding the durable desired state
 * @param api       API access control
 * @param limits    size limits of API requests (docs/security.md)
 * @param conntrack per-VM conntrack quotas, the conntrack capacity guard (issue 12) and the connmarks by which the
 *                  agent finds the flows of its VMs
 * @param devices   which device names a VM NIC may claim
 */
@ConfigurationProperties(prefix = "sgagent")
public record SgAgentProperties(
        @DefaultValue Netfilter netfilter,
        @DefaultValue("/var/lib/sg-agent") Path stateDir,
        @DefaultValue Api api,
        @DefaultValue Reconcile reconcile,
        @DefaultValue Limits limits,
        @DefaultValue Conntrack conntrack,
        @DefaultValue Devices devices) {

    /**
     * Conntrack quotas and capacity guard (issue 12; README "Conntrack quotas and capacity guard").
     *
     * @param vmLimit       quota of VMs whose body has no {@code conntrackLimit}: tracked connections per family
     *                      in which the VM is either end; 0 = none
     * @param guardInterval how often the capacity guard samples the table (0 disables sampling after start)
     * @param topTalkers    how many VMs with the most tracked entries get a {@code sgagent_vm_conntrack_entries}
     *                      series (bounded cardinality)
     * @param manageLimit   raise nf_conntrack_max (and the hash size) when the table runs hot; initial network
     *                      namespace only
     * @param memoryBudget  upper bound of the table's memory when {@code manageLimit} raises it
     * @param markMask      the connmark bits the agent may write (two equal fields: ingress slot, egress slot), e.g.
     *                      {@code 0x3fff}; bits outside it are left to other software (docs/ruleset.md,
     *                      "Connection marks")
     */
    public record Conntrack(
            @DefaultValue("0") int vmLimit,
            @DefaultValue("15s") Duration guardInterval,
            @DefaultValue("10") int topTalkers,
            @DefaultValue("false") boolean manageLimit,
            @DefaultValue("256MB") DataSize memoryBudget,
            @DefaultValue("0x3fff") String markMask) {

        public Conntrack {
            if (vmLimit < 0 || vmLimit > 10_000_000) {
                throw new IllegalArgumentException("sgagent.conntrack.vm-limit must be between 0 and 10000000");
            }
            if (topTalkers < 0 || topTalkers > 100) {
                throw new IllegalArgumentException("sgagent.conntrack.top-talkers must be between 0 and 100");
            }
            if (guardInterval == null || guardInterval.isNegative()) {
                throw new IllegalArgumentException("sgagent.conntrack.guard-interval must not be negative");
            }
            ConnMarks.parse(markMask);
        }

        public ConnMarks connMarks() {
            return ConnMarks.parse(markMask);
        }

        /** The defaults, for code that runs without property binding (tests, tools). */
        public static Conntrack defaults() {
            return new Conntrack(0, Duration.ofSeconds(15), 10, false, DataSize.ofMegabytes(256), "0x3fff");
        }
    }

    /**
     * @param pattern regular expression a VM NIC's device must match in full (default: libvirt and Xen taps); keeps
     *                the host's uplink, bridge and {@code lo} out of VM rules
     */
    public record Devices(@DefaultValue("(vnet|tap|vif)[A-Za-z0-9_.-]*") String pattern) {
    }

    /** @param driftInterval how often the kernel is compared with the desired state (0 disables) */
    public record Reconcile(@DefaultValue("10s") Duration driftInterval) {
    }

    /**
     * @param netns          empty: program the namespace the agent runs in; a name: program that
     *                       {@code ip netns} namespace instead (tests, sandbox)
     * @param commandTimeout timeout of every kernel tool invocation
     * @param xtablesWait    seconds iptables-restore waits for the xtables lock ({@code -w})
     * @param toolPath       directories searched for the kernel tools before PATH (empty: PATH only)
     */
    public record Netfilter(
            @DefaultValue("") String netns,
            @DefaultValue("30s") Duration commandTimeout,
            @DefaultValue("10") int xtablesWait,
            @DefaultValue("") String toolPath) {
    }

    /**
     * @param token     bearer token every {@code /api/**} call must present; empty: no authentication
     * @param tokenFile file holding the token (first line), read at start; wins over {@code token}
     */
    public record Api(@DefaultValue("") String token, @DefaultValue("") String tokenFile) {
    }

    /**
     * Upper bounds on what one API request may ask for; beyond them the API answers 413 (body) or 400/409 naming
     * the limit, before anything reaches the reconciler. The defaults are far above any real VM and keep a
     * buggy or hostile client from making the agent compile or program millions of rules.
     *
     * @param maxBodySize          request body of every API call except the full host state
     * @param maxHostStateBodySize request body of {@code PUT /api/v1/vms} (every VM of the host at once)
     * @param nicsPerVm            NICs of one VM
     * @param rulesPerDirection    ingress rules, and separately egress rules, of one VM
     * @param cidrsPerRule         CIDRs of one rule
     * @param addressesPerNic      IPv4 addresses, and separately IPv6 addresses, of one NIC
     * @param vmsPerHost           VMs the agent manages on this host
     */
    public record Limits(
            @DefaultValue("1MB") DataSize maxBodySize,
            @DefaultValue("16MB") DataSize maxHostStateBodySize,
            @DefaultValue("16") int nicsPerVm,
            @DefaultValue("1000") int rulesPerDirection,
            @DefaultValue("1000") int cidrsPerRule,
            @DefaultValue("64") int addressesPerNic,
            @DefaultValue("4096") int vmsPerHost) {

        public Limits {
            if (maxBodySize == null || maxBodySize.toBytes() < 1024
                    || maxHostStateBodySize == null || maxHostStateBodySize.toBytes() < 1024) {
                throw new IllegalArgumentException("sgagent.limits.max-body-size and max-host-state-body-size must be "
                        + "at least 1KB");
            }
            if (nicsPerVm < 1 || rulesPerDirection < 1 || cidrsPerRule < 1 || addressesPerNic < 1 || vmsPerHost < 1) {
                throw new IllegalArgumentException("every sgagent.limits.* count must be at least 1");
            }
        }

        /** The defaults, for code that runs without property binding (tests, tools). */
        public static Limits defaults() {
            return new Limits(DataSize.ofMegabytes(1), DataSize.ofMegabytes(16), 16, 1000, 1000, 64, 4096);
        }
    }
}
