package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.reconcile.Actor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Optional mutual TLS with a Spring Boot SSL bundle, configured exactly as docs/security.md tells operators to
 * ({@code spring.ssl.bundle.pem.*}, {@code server.ssl.bundle}, {@code server.ssl.client-auth=need}), with a CA,
 * server and client certificates generated here. A client without a certificate, or with one from another CA, is
 * refused during the handshake, before any HTTP is spoken; a client with a certificate from the configured CA
 * reaches the API (and still needs the bearer token). The actuator, moved to its own port with
 * {@code management.server.ssl.enabled=false}, serves plain HTTP without a client certificate, so health probes keep
 * working.
 */
@SpringBootTest(classes = OpenApiDocsTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "sgagent.api.token=" + MutualTlsTest.TOKEN,
                "server.address=127.0.0.1",
                "server.ssl.bundle=sgagent",
                "server.ssl.client-auth=need",
                // the actuator on its own plain-HTTP port, so kubelet probes need no client certificate (the
                // management server would otherwise inherit server.ssl.*, client-auth included)
                "management.server.port=0",
                "management.server.address=127.0.0.1",
                "management.server.ssl.enabled=false",
                "management.endpoint.health.validate-group-membership=false"})
class MutualTlsTest {
    static final String TOKEN = "mtls-test-token";

    static final TestCertificates.Issued CA = TestCertificates.ca("sg-agent test CA");
    static final TestCertificates.Issued SERVER = TestCertificates.server(CA);
    static final TestCertificates.Issued CLIENT = TestCertificates.client(CA, "management-plane");
    static final TestCertificates.Issued ROGUE_CA = TestCertificates.ca("someone else's CA");
    static final TestCertificates.Issued ROGUE_CLIENT = TestCertificates.client(ROGUE_CA, "management-plane");

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("sgagent-mtls");
        dir.toFile().deleteOnExit();
        SERVER.writePem(dir, "server");
        CA.writePem(dir, "ca");
        registry.add("spring.ssl.bundle.pem.sgagent.keystore.certificate", () -> "file:" + dir.resolve("server.crt"));
        registry.add("spring.ssl.bundle.pem.sgagent.keystore.private-key", () -> "file:" + dir.resolve("server.key"));
        registry.add("spring.ssl.bundle.pem.sgagent.truststore.certificate", () -> "file:" + dir.resolve("ca.crt"));
    }

    @LocalServerPort
    int port;
    @LocalManagementPort
    int managementPort;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    private HttpResponse<String> get(SSLContext tls, String host, String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientWithACertificateFromTheConfiguredCaGetsIn() throws Exception {
        SSLContext tls = CLIENT.clientContext(CA, true);
        assertThat(get(tls, "127.0.0.1", "/api/v1/vms").statusCode()).isEqualTo(200);
        assertThat(get(tls, "localhost", "/api/v1/conntrack").statusCode()).isEqualTo(200);
    }

    @Test
    void theAuditLogNamesTheClientCertificateSubject() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(CLIENT.clientContext(CA, true)).build();
        HttpRequest put = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/vms/web-1"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(TestJson.VM))
                .build();
        assertThat(client.send(put, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(service.actors).extracting(Actor::name).containsExactly("CN=management-plane");
    }

    @Test
    void healthProbesOnTheManagementPortNeedNoClientCertificate() throws Exception {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
                + "/actuator/health/liveness")).timeout(Duration.ofSeconds(20)).GET().build();
        assertThat(plain.send(probe, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void aClientWithoutACertificateIsRefused() {
        SSLContext tls = CLIENT.clientContext(CA, false);
        assertThatThrownBy(() -> get(tls, "127.0.0.1", "/api/v1/vms")).isInstanceOf(IOException.class);
        assertThat(service.puts).isEmpty();
    }

    @Test
    void aClientWithACertificateFromAnotherCaIsRefused() {
        SSLContext tls = ROGUE_CLIENT.clientContext(CA, true);
        assertThatThrownBy(() -> get(tls, "127.0.0.1", "/api/v1/vms")).isInstanceOf(IOException.class);
    }

    @Test
    void theCertificateDoesNotReplaceTheToken() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(CLIENT.clientContext(CA, true)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/vms"))
                .timeout(Duration.ofSeconds(20)).GET().build();
        assertThat(client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    @Test
    void plainHttpIsNotServed() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/vms"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + TOKEN).GET().build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(400);
        } catch (IOException | InterruptedException refused) {
            // also fine: the TLS connector does not speak plain HTTP
        }
    }
}
