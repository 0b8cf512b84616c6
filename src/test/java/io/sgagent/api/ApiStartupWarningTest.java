package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.config.SgAgentProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Decision kept on purpose: without a token the agent still starts (trials, acceptance tests), but says loudly at
 * start that the API is open and that production must set a token; with a token it says nothing of the kind and
 * never prints the token.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiStartupWarningTest {
    @EnableConfigurationProperties(SgAgentProperties.class)
    static class Properties {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, ApiConfiguration.class);

    @Test
    void withoutATokenTheAgentStartsAndWarnsLoudly(CapturedOutput output) {
        runner.withPropertyValues("sgagent.api.token=").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasBean("apiTokenFilterRegistration");
        });
        assertThat(output).contains("WARN", "SECURITY WARNING: API authentication is DISABLED",
                "Production must set sgagent.api.token-file", "docs/security.md");
    }

    @Test
    void withATokenThereIsNoWarningAndTheTokenIsNeverPrinted(CapturedOutput output) {
        runner.withPropertyValues("sgagent.api.token=very-secret-token-value").run(context ->
                assertThat(context).hasNotFailed());
        assertThat(output).doesNotContain("SECURITY WARNING").doesNotContain("very-secret-token-value")
                .contains("API authentication enabled");
    }
}
