package io.sgagent.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the agent ({@code sgagent.*}).
 *
 * @param netfilter where and how the kernel is programmed
 * @param stateDir  directory holding the durable desired state
 * @param api       API access control
 */
@ConfigurationProperties(prefix = "sgagent")
public record SgAgentProperties(
        @DefaultValue Netfilter netfilter,
        @DefaultValue("/var/lib/sg-agent") Path stateDir,
        @DefaultValue Api api,
        @DefaultValue Reconcile reconcile) {

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
}
