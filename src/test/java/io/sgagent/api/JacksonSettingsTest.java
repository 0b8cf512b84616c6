package io.sgagent.api;

import io.sgagent.api.common.DevicePolicy;
import org.springframework.context.annotation.Bean;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.config.SgAgentProperties;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * application.yml alone, without {@link ApiConfiguration}'s customizer, makes Boot 4's Jackson 3 mapper fail on
 * unknown properties (Jackson 3's own default is not to).
 */
@WebMvcTest(controllers = VmController.class)
@Import({FakeSecurityGroupService.class, JacksonSettingsTest.Devices.class})
@EnableConfigurationProperties(SgAgentProperties.class)
class JacksonSettingsTest {
    /**
     * The controller needs the device checks, which otherwise come from {@link ApiConfiguration}. Not a
     * {@code @TestConfiguration}: the kernel ITs would scan it into the real application. Imported explicitly.
     */
    static class Devices {
        @Bean
        DevicePolicy devicePolicy() {
            return DevicePolicy.nameOnly();
        }
    }

    @Autowired
    JsonMapper jsonMapper;
    @Autowired
    MockMvc mvc;
    @Autowired
    org.springframework.context.ApplicationContext context;

    @Test
    void applicationYmlPropertyTurnsOnFailOnUnknownProperties() throws Exception {
        assertThat(context.getBeansOfType(ApiConfiguration.class)).as("customizer must not be in this slice").isEmpty();
        assertThat(JsonMapper.builder().build().isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES))
                .as("Jackson 3 default").isFalse();
        assertThat(jsonMapper.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES))
                .as("spring.jackson.deserialization.fail-on-unknown-properties").isTrue();
        mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON)
                        .content(TestJson.with("nics[0].extra", true)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("nics[0].extra"));
    }
}
