package io.sgagent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The environment-variable names README "Configuration by environment variables" documents bind to the settings
 * (Boot's relaxed binding: sgagent.api.token-file is SGAGENT_API_TOKENFILE; an underscore for the dash also binds).
 */
class EnvironmentVariablesTest {

    private static SgAgentProperties bind(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        // The real process environment is replaced: Boot applies env-var naming only to a source of this name.
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        variables));
        return new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("sgagent", SgAgentProperties.class);
    }

    @Test
    void documentedNamesBind() {
        SgAgentProperties properties = bind(Map.of(
                "SGAGENT_API_TOKENFILE", "/etc/sg-agent/token",
                "SGAGENT_NETFILTER_NETNS", "hv1",
                "SGAGENT_NETFILTER_COMMANDTIMEOUT", "45s",
                "SGAGENT_STATEDIR", "/srv/sg-agent",
                "SGAGENT_RECONCILE_DRIFTINTERVAL", "30s",
                "SGAGENT_LIMITS_VMSPERHOST", "100"));
        assertThat(properties.api().tokenFile()).isEqualTo("/etc/sg-agent/token");
        assertThat(properties.netfilter().netns()).isEqualTo("hv1");
        assertThat(properties.netfilter().commandTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(properties.stateDir()).isEqualTo(Path.of("/srv/sg-agent"));
        assertThat(properties.reconcile().driftInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.limits().vmsPerHost()).isEqualTo(100);
    }

    @Test
    void anUnderscoreForTheDashBindsToo() {
        // the spelling the chart's values.yaml shows in its env example
        assertThat(bind(Map.of("SGAGENT_RECONCILE_DRIFT_INTERVAL", "30s")).reconcile().driftInterval())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(bind(Map.of()).reconcile().driftInterval()).isEqualTo(Duration.ofSeconds(10));
    }
}
