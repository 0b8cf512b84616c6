package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.config.SgAgentProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document and Swagger UI, with full auto-configuration (springdoc is not part of the MVC slice)
 * but only the API's own beans and the fake service. A token is set to show docs stay reachable without it.
 */
@SpringBootTest(classes = OpenApiDocsTest.App.class, properties = {
        "sgagent.api.token=docs-test-token",
        // application.yml's readiness group names health contributors that only the full agent wiring provides
        "management.endpoint.health.validate-group-membership=false"})
@AutoConfigureMockMvc
class OpenApiDocsTest {
    /**
     * Deliberately no {@code @Configuration}/{@code @SpringBootConfiguration}: the kernel ITs start the real
     * application with test classes on the classpath and no test filters, so any scannable configuration here
     * (with this fake service) would leak into it, and a second {@code @SpringBootConfiguration} would break other
     * tests' configuration search. Registered explicitly, its {@code @Import}s are still processed.
     */
    @EnableAutoConfiguration
    @EnableConfigurationProperties(SgAgentProperties.class)
    @Import({VmController.class, HostStateController.class, ConntrackController.class, ApiExceptionHandler.class,
            ApiConfiguration.class, FakeSecurityGroupService.class})
    static class App {
    }

    @Autowired
    MockMvc mvc;

    private JsonNode apiDocs() throws Exception {
        String json = mvc.perform(get("/v3/api-docs")).andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        return TestJson.MAPPER.readTree(json);
    }

    @Test
    void listsEveryPathAndMethod() throws Exception {
        JsonNode paths = apiDocs().get("paths");
        Map<String, List<String>> expected = Map.of(
                "/api/v1/vms", List.of("get", "put"),
                "/api/v1/vms/{name}", List.of("get", "put", "delete"),
                "/api/v1/vms/{name}/ruleset", List.of("get"),
                "/api/v1/conntrack", List.of("get"));
        assertThat(paths.propertyNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((path, methods) -> {
            assertThat(paths.get(path).propertyNames()).as(path).containsExactlyInAnyOrderElementsOf(methods);
            for (String method : methods) {
                JsonNode operation = paths.get(path).get(method);
                assertThat(operation.path("summary").asString()).as(method + " " + path).isNotBlank();
                assertThat(operation.path("description").asString()).as(method + " " + path).isNotBlank();
            }
        });
    }

    @Test
    void documentsStatusesSchemasExamplesAndBearerAuth() throws Exception {
        JsonNode docs = apiDocs();
        assertThat(docs.at("/info/title").asString()).isEqualTo("sg-agent API");
        assertThat(docs.at("/components/securitySchemes/bearerAuth/scheme").asString()).isEqualTo("bearer");
        assertThat(docs.at("/components/securitySchemes/bearerAuth/type").asString()).isEqualTo("http");
        assertThat(docs.at("/security/0").has("bearerAuth")).isTrue();

        JsonNode putVm = docs.at("/paths/~1api~1v1~1vms~1{name}/put");
        assertThat(putVm.get("responses").propertyNames()).contains("200", "400", "401", "409", "503");
        assertThat(putVm.at("/responses/400/content").has("application/problem+json")).isTrue();
        assertThat(putVm.at("/requestBody/content/application~1json/examples/web/value/nics/0/device").asString())
                .isEqualTo("vnet7");
        assertThat(docs.at("/paths/~1api~1v1~1vms~1{name}/delete/responses").propertyNames())
                .contains("204", "404", "503");
        assertThat(docs.at("/paths/~1api~1v1~1vms~1{name}~1ruleset/get/responses/200/content").has("text/plain"))
                .isTrue();

        JsonNode schemas = docs.at("/components/schemas");
        assertThat(schemas.propertyNames()).contains("VmRequest", "Nic", "Rule", "HostStateRequest", "VmStatus",
                "VmList", "HostState", "Conntrack", "Problem");
        for (String schema : List.of("VmRequest", "Nic", "Rule", "VmStatus", "Conntrack")) {
            for (String property : schemas.get(schema).get("properties").propertyNames()) {
                JsonNode p = schemas.get(schema).get("properties").get(property);
                assertThat(p.path("description").asString()).as(schema + "." + property).isNotBlank();
            }
        }
        assertThat(schemas.at("/VmRequest/required").toString()).contains("seq", "nics");
        assertThat(schemas.at("/Rule/properties/protocol/example").asString()).isEqualTo("tcp");
    }

    /**
     * Swagger UI offers "Authorize" for every security scheme of the document and then sends
     * {@code Authorization: Bearer <token>} on each operation that requires it: the scheme must be HTTP bearer, every
     * API operation must require it (none may override it with an empty requirement), and the header Swagger UI
     * sends must be exactly what the filter accepts.
     */
    @Test
    void swaggerUiCanAuthorizeEveryApiOperationWithTheToken() throws Exception {
        JsonNode docs = apiDocs();
        JsonNode scheme = docs.at("/components/securitySchemes/" + ApiConfiguration.SECURITY_SCHEME);
        assertThat(scheme.path("type").asString()).isEqualTo("http");
        assertThat(scheme.path("scheme").asString()).isEqualTo("bearer");
        assertThat(docs.path("security").toString()).contains(ApiConfiguration.SECURITY_SCHEME);
        JsonNode paths = docs.get("paths");
        for (String path : paths.propertyNames()) {
            for (String method : paths.get(path).propertyNames()) {
                JsonNode operation = paths.get(path).get(method);
                if (operation.has("security")) {
                    assertThat(operation.get("security").toString()).as(method + " " + path)
                            .contains(ApiConfiguration.SECURITY_SCHEME);
                }
                assertThat(operation.at("/responses/401").isMissingNode()).as(method + " " + path + " documents 401")
                        .isFalse();
            }
        }
        String swaggerConfig = mvc.perform(get("/v3/api-docs/swagger-config")).andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        assertThat(swaggerConfig).contains("/v3/api-docs");
        mvc.perform(get("/api/v1/conntrack").header(HttpHeaders.AUTHORIZATION, "Bearer docs-test-token"))
                .andExpect(status().isOk());
    }

    /** Issue 13: every answer has its own example, and the Problem schema lists every member the agent sends. */
    @Test
    void eachErrorAnswerHasItsOwnExampleAndTheProblemSchemaIsComplete() throws Exception {
        JsonNode docs = apiDocs();
        JsonNode putVm = docs.at("/paths/~1api~1v1~1vms~1{name}/put/responses");
        assertThat(example(putVm, "401", null).path("type").asString()).isEqualTo("urn:sgagent:problem:unauthorized");
        assertThat(example(putVm, "413", null).path("type").asString()).isEqualTo("urn:sgagent:problem:body-too-large");
        assertThat(example(putVm, "400", "invalid-name").at("/errors/0/field").asString()).isEqualTo("name");
        assertThat(example(putVm, "400", "host-device").at("/errors/0/field").asString()).isEqualTo("nics[0].device");
        assertThat(example(putVm, "409", "stale-seq").has("currentSeq")).isTrue();
        assertThat(example(putVm, "409", "device-not-a-vm-port").path("type").asString())
                .isEqualTo("urn:sgagent:problem:device-not-a-vm-port");
        JsonNode getVm = docs.at("/paths/~1api~1v1~1vms~1{name}/get/responses");
        assertThat(example(getVm, "400", null).at("/errors/0/field").asString()).isEqualTo("name");
        assertThat(example(getVm, "401", null).path("status").asInt()).isEqualTo(401);
        assertThat(example(docs.at("/paths/~1api~1v1~1vms/put/responses"), "413", null).path("limit").asString())
                .isEqualTo("sgagent.limits.max-host-state-body-size");

        JsonNode problem = docs.at("/components/schemas/Problem/properties");
        assertThat(problem.propertyNames()).contains("type", "title", "status", "detail", "instance", "errors",
                "reasons", "currentSeq", "requestedSeq", "limit", "max", "errorsOmitted");
    }

    @Test
    void theListExampleNeverMixesPortsWithIcmpFields() throws Exception {
        JsonNode list = example(apiDocs().at("/paths/~1api~1v1~1vms/get/responses"), "200", null);
        assertThat(list.path("vms").size()).isGreaterThan(1);
        for (JsonNode vm : list.path("vms")) {
            for (String direction : List.of("ingress", "egress")) {
                for (JsonNode rule : vm.path(direction)) {
                    boolean ports = rule.has("portStart") || rule.has("portEnd");
                    boolean icmp = rule.has("icmpType") || rule.has("icmpCode");
                    assertThat(ports && icmp).as(rule.toString()).isFalse();
                    assertThat(ports).as(rule.toString()).isEqualTo(List.of("tcp", "udp")
                            .contains(rule.path("protocol").asString()));
                }
            }
        }
    }

    @Test
    void descriptionsCarryNoInternalLabels() throws Exception {
        String docs = apiDocs().toString();
        assertThat(docs).doesNotContainPattern("\\(B[0-9]+\\)");
    }

    @Test
    void swaggerUiKeepsTheTokenAcrossReloads() throws Exception {
        String swaggerConfig = mvc.perform(get("/v3/api-docs/swagger-config")).andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        assertThat(TestJson.MAPPER.readTree(swaggerConfig).path("persistAuthorization").asBoolean()).isTrue();
    }

    /** The example of one response: the only one, or the named one. */
    private static JsonNode example(JsonNode responses, String status, String name) {
        JsonNode content = responses.path(status).path("content");
        JsonNode media = content.path(content.propertyNames().iterator().next());
        JsonNode value = name == null ? media.has("example") ? media.path("example")
                : media.path("examples").propertyStream().findFirst().orElseThrow().getValue().path("value")
                : media.at("/examples/" + name + "/value");
        assertThat(value.isMissingNode()).as(status + " " + name + " in " + content).isFalse();
        return value.isString() ? TestJson.MAPPER.readTree(value.asString()) : value;
    }

    @Test
    void swaggerUiAndDocsNeedNoToken() throws Exception {
        int status = mvc.perform(get("/swagger-ui.html")).andReturn().getResponse().getStatus();
        assertThat(status).isBetween(200, 399);
        mvc.perform(get("/v3/api-docs")).andExpect(status().isOk());
        mvc.perform(get("/api/v1/vms")).andExpect(status().isUnauthorized());
        mvc.perform(get("/api/v1/vms").header(HttpHeaders.AUTHORIZATION, "Bearer docs-test-token"))
                .andExpect(status().isOk());
    }
}
