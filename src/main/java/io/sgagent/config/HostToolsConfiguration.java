package io.sgagent.config;

import io.sgagent.metrics.BuildInfoMetrics;
import io.sgagent.netfilter.IptablesVariant;
import io.sgagent.netfilter.ProcessRunner;
import io.sgagent.netfilter.SandboxNamespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.info.GitProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the host's tools are, checked once at start: the iptables variant (refusing a mixed nft/legacy host before
 * anything is programmed: singletons are created before the runner that adopts the stored state), reported in the
 * log, in health ({@code iptables}, part of readiness) and in {@code sgagent_build_info}.
 */
@Configuration(proxyBeanMethods = false)
public class HostToolsConfiguration {
    private static final Logger log = LoggerFactory.getLogger(HostToolsConfiguration.class);

    /**
     * @param sandbox created first when the sandbox profile is active: the tools then run inside its namespace
     */
    @Bean
    IptablesVariant iptablesVariant(ProcessRunner runner, ObjectProvider<SandboxNamespace> sandbox) {
        sandbox.ifAvailable(namespace -> { });
        IptablesVariant variant = IptablesVariant.detect(runner);
        if (variant.mixed()) {
            // One line an operator can act on; Spring then stops with a non-zero exit code.
            log.error("sg-agent cannot start: {}", variant.mixedMessage());
            throw new IllegalStateException(variant.mixedMessage());
        }
        log.info("iptables {} uses the {} backend (iptables and ip6tables)", variant.version(),
                variant.iptables().label());
        variant.warnings().forEach(log::warn);
        return variant;
    }

    @Bean
    HealthIndicator iptablesHealthIndicator(IptablesVariant variant) {
        Health health = Health.up()
                .withDetail("backend", variant.iptables().label())
                .withDetail("version", variant.version())
                .withDetail("warnings", variant.warnings())
                .build();
        return () -> health;
    }

    @Bean
    BuildInfoMetrics buildInfoMetrics(ObjectProvider<BuildProperties> build, ObjectProvider<GitProperties> git,
                                      IptablesVariant variant) {
        BuildProperties properties = build.getIfAvailable();
        GitProperties gitProperties = git.getIfAvailable();
        String commit = gitProperties != null ? gitProperties.getShortCommitId()
                : properties != null ? properties.get("commit") : null;
        return new BuildInfoMetrics(properties != null ? properties.getVersion() : null, commit,
                variant.iptables().label());
    }
}
