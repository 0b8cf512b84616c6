package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Actuator exposes only {@code health} and {@code prometheus} (application.yml); every other endpoint that could
 * leak configuration, environment, heap or threads, or change the agent (loggers, shutdown) is 404. With
 * {@code management.server.port} (and {@code management.server.address}) the actuator moves to its own
 * listener and the API port no longer serves it.
 */
class ActuatorExposureTest {
    static final List<String> FORBIDDEN = List.of("env", "env/sgagent.api.token", "beans", "configprops", "heapdump",
            "threaddump", "loggers", "mappings", "metrics", "conditions", "scheduledtasks", "info", "caches",
            "startup", "sbom", "logfile", "httpexchanges", "auditevents", "flyway", "liquibase", "sessions");

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static int status(int port, String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static String body(int port, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    static void onlyHealthAndPrometheus(int port) throws Exception {
        assertThat(status(port, "GET", "/actuator/health")).isEqualTo(200);
        assertThat(status(port, "GET", "/actuator/health/liveness")).isEqualTo(200);
        assertThat(status(port, "GET", "/actuator/prometheus")).isEqualTo(200);
        for (String endpoint : FORBIDDEN) {
            assertThat(status(port, "GET", "/actuator/" + endpoint)).as(endpoint).isEqualTo(404);
        }
        assertThat(status(port, "POST", "/actuator/shutdown")).isIn(404, 405);
        assertThat(status(port, "POST", "/actuator/loggers/io.sgagent")).isIn(404, 405);
        assertThat(body(port, "/actuator")).contains("/actuator/health", "/actuator/prometheus")
                .doesNotContain("/actuator/env", "/actuator/beans", "/actuator/heapdump");
    }

    @Nested
    @SpringBootTest(classes = OpenApiDocsTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"sgagent.api.token=actuator-test", "management.endpoint.health.validate-group-membership=false"})
    class OnTheApiPort {
        @LocalServerPort
        int port;

        @Test
        void onlyHealthAndPrometheusAreExposed() throws Exception {
            onlyHealthAndPrometheus(port);
            assertThat(status(port, "GET", "/api/v1/vms")).as("the API still needs its token").isEqualTo(401);
        }
    }

    @Nested
    @SpringBootTest(classes = OpenApiDocsTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"sgagent.api.token=actuator-test", "management.endpoint.health.validate-group-membership=false",
                    "management.server.port=0", "management.server.address=127.0.0.1"})
    class OnASeparateManagementPort {
        @LocalServerPort
        int port;
        @LocalManagementPort
        int managementPort;

        @Test
        void actuatorMovesToTheManagementPort() throws Exception {
            assertThat(managementPort).isNotEqualTo(port);
            onlyHealthAndPrometheus(managementPort);
            assertThat(status(port, "GET", "/actuator/health")).isEqualTo(404);
            assertThat(status(port, "GET", "/actuator/prometheus")).isEqualTo(404);
            assertThat(status(managementPort, "GET", "/api/v1/vms")).as("the API stays on its port").isIn(401, 404);
            assertThat(status(port, "GET", "/api/v1/vms")).isEqualTo(401);
        }
    }
}
