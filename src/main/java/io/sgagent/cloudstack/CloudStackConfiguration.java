package io.sgagent.cloudstack;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.api.common.RequestActors;
import io.sgagent.config.SgAgentProperties;
import io.sgagent.reconcile.SecurityGroupService;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wiring of the CloudStack adapter: the agent's service, the views under the state directory, the API limits and
 * device checks.
 */
@Configuration(proxyBeanMethods = false)
class CloudStackConfiguration {

    @Bean
    CloudStackAdapter cloudStackAdapter(SecurityGroupService service, SgAgentProperties properties,
                                        DevicePolicy devices) {
        return new CloudStackAdapter(service, new FileViewStore(viewDirectory(properties)), properties.limits(),
                devices, RequestActors::current);
    }

    /**
     * {@code <state-dir>/cloudstack/host}, or {@code .../netns-<name>} when the agent programs another namespace,
     * so that agents of different namespaces sharing a state directory never read each other's views.
     */
    static Path viewDirectory(SgAgentProperties properties) {
        String netns = properties.netfilter().netns();
        String instance = netns == null || netns.isBlank() ? "host" : "netns-" + netns;
        if (!instance.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,70}")) {
            throw new IllegalArgumentException("sgagent.netfilter.netns is not a valid namespace name: " + netns);
        }
        return properties.stateDir().resolve("cloudstack").resolve(instance);
    }
}
