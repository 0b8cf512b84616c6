package io.sgagent.config;

import io.sgagent.netfilter.SandboxNamespace;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Profile {@code sandbox} (the default of {@code ./mvnw spring-boot:run}): the agent programs a namespace it
 * creates itself ({@code sgagent.netfilter.netns}, see application-sandbox.yml), never the host's own tables.
 */
@Configuration(proxyBeanMethods = false)
@Profile("sandbox")
public class SandboxConfiguration {
    @Bean(initMethod = "create", destroyMethod = "remove")
    SandboxNamespace sandboxNamespace(SgAgentProperties properties) {
        if (properties.netfilter().netns().isBlank()) {
            throw new IllegalStateException("profile sandbox needs sgagent.netfilter.netns");
        }
        return new SandboxNamespace(properties.netfilter().netns());
    }
}
