package io.sgagent.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CloudStack operations in the OpenAPI document (issue 13): each documents its refusals with problem examples
 * and has real request and answer examples, not "string" placeholders.
 */
@SpringBootTest(classes = CloudStackOpenApiTest.App.class,
        properties = "management.endpoint.health.validate-group-membership=false")
@AutoConfigureMockMvc
class CloudStackOpenApiTest {
    /** Not a configuration class (see CloudStackWebTest.Wiring); registered explicitly. */
    @EnableAutoConfiguration
    @Import({CloudStackController.class, CloudStackWebTest.Wiring.class})
    static class App {
    }

    @Autowired
    MockMvc mvc;

    @Test
    void everyCommandDocumentsItsRefusalsWithRealExamples() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        JsonNode paths = json.readTree(mvc.perform(get("/v3/api-docs")).andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString()).get("paths");
        List<String> commands = List.of("can_bridge_firewall", "default_network_rules", "add_network_rules",
                "destroy_network_rules_for_vm", "network_rules_vmSecondaryIp", "cleanup_rules", "verify_network_rules",
                "default_network_rules_systemvm", "post_default_network_rules");
        for (String command : commands) {
            JsonNode post = paths.path("/api/v1/cloudstack/" + command).path("post");
            assertThat(post.isMissingNode()).as(command).isFalse();
            JsonNode request = exampleOf(json, post.path("requestBody").path("content"));
            assertThat(request.isObject()).as(command + " request example " + request).isTrue();
            JsonNode ok = exampleOf(json, post.at("/responses/200/content"));
            assertThat(ok.path("command").asString()).as(command).isEqualTo(command);
            for (String code : List.of("400", "401", "409", "503")) {
                JsonNode problem = exampleOf(json, post.at("/responses/" + code + "/content"));
                assertThat(problem.path("status").asInt()).as(command + " " + code).isEqualTo(Integer.parseInt(code));
                assertThat(problem.path("type").asString()).as(command + " " + code).startsWith("urn:sgagent:problem:");
            }
        }
        JsonNode logs = paths.at("/~1api~1v1~1cloudstack~1get_rule_logs_for_vms/get/responses");
        assertThat(logs.at("/200/content/text~1plain/schema/example").asString()).startsWith("i-2-7-VM,7,");
        assertThat(logs.has("401")).isTrue();
    }

    private static JsonNode exampleOf(JsonMapper json, JsonNode content) {
        assertThat(content.isMissingNode() || content.isEmpty()).as("content").isFalse();
        JsonNode media = content.path(content.propertyNames().iterator().next());
        JsonNode value = media.has("example") ? media.path("example")
                : media.path("examples").propertyStream().findFirst().map(e -> e.getValue().path("value"))
                .orElse(media.path("schema").path("example"));
        assertThat(value.isMissingNode()).as("example in " + content).isFalse();
        assertThat(value.isString() && value.asString().equals("string")).as("placeholder").isFalse();
        return value.isString() ? json.readTree(value.asString()) : value;
    }
}
