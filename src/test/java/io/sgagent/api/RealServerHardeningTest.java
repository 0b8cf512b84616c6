package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What a hostile client can do over a real socket to the embedded Tomcat (MockMvc bypasses the container): bodies
 * beyond the limit with and without {@code Content-Length}, a huge declared body that is never sent, path tricks
 * and oversized request lines. Never a 5xx, never a call to the service.
 */
@SpringBootTest(classes = OpenApiDocsTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "sgagent.api.token=" + RealServerHardeningTest.TOKEN,
                "sgagent.limits.max-body-size=4KB",
                "sgagent.limits.max-host-state-body-size=8KB",
                "management.endpoint.health.validate-group-membership=false"})
class RealServerHardeningTest {
    static final String TOKEN = "hardening-test-token";

    @LocalServerPort
    int port;
    @Autowired
    FakeSecurityGroupService service;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void reset() {
        service.reset();
    }

    private HttpResponse<String> put(String path, HttpRequest.BodyPublisher body, boolean token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json").PUT(body);
        if (token) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aChunkedBodyBeyondTheLimitIs413() throws Exception {
        byte[] body = ("{\"seq\":1" + " ".repeat(6000) + "}").getBytes(StandardCharsets.UTF_8);
        // ofInputStream has no known length: the client sends Transfer-Encoding: chunked
        HttpResponse<String> response = put("/api/v1/vms/web-1",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), true);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"limit\":\"sgagent.limits.max-body-size\"", "\"max\":4096");
        assertThat(service.puts).isEmpty();
    }

    @Test
    void aChunkedBodyWithinTheLimitPasses() throws Exception {
        byte[] body = TestJson.VM.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = put("/api/v1/vms/web-1",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), true);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(service.puts).hasSize(1);
    }

    @Test
    void aBodyWithContentLengthBeyondTheLimitIs413() throws Exception {
        HttpResponse<String> response = put("/api/v1/vms/web-1",
                HttpRequest.BodyPublishers.ofString("{\"seq\":1" + " ".repeat(5000) + "}"), true);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("body-too-large");
        HttpResponse<String> hostState = put("/api/v1/vms",
                HttpRequest.BodyPublishers.ofString("{\"vms\":{}" + " ".repeat(6000) + "}"), true);
        assertThat(hostState.statusCode()).as("the host state may be larger").isEqualTo(200);
        assertThat(service.puts).isEmpty();
    }

    @Test
    void aHugeDeclaredBodyIsRefusedBeforeItIsSent() throws Exception {
        String answer = raw("PUT /api/v1/vms/web-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{");
        assertThat(answer).startsWith("HTTP/1.1 413");
        assertThat(answer).contains("body-too-large");
        // Without the token, the answer is 401 whatever the body: nothing about the API is revealed.
        String anonymous = raw("PUT /api/v1/vms/web-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: 10737418240\r\n\r\n{");
        assertThat(anonymous).startsWith("HTTP/1.1 401");
        assertThat(service.puts).isEmpty();
    }

    @Test
    void pathTricksAreClientErrors() throws Exception {
        for (String path : new String[] {"/api/v1/vms/web;reboot", "/api/v1/vms/a%2Fb", "/api/v1/vms/web%00",
                "/api/v1/vms/web%0a", "/api/v1/vms/..%2F..%2Fetc", "/api/v1/vms/%2e%2e", "/api/v1/vms/web%3B",
                "/api/v1/vms/" + "a".repeat(10_000), "/api/v1/vms/%ff%fe", "/api/v1//vms/web"}) {
            String answer = raw("DELETE " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nConnection: close\r\n\r\n");
            int status = Integer.parseInt(answer.substring(9, 12));
            assertThat(status).as(path).isBetween(400, 499);
        }
        assertThat(service.deletes).isEmpty();
    }

    @Test
    void garbageRequestLinesAreClientErrors() throws Exception {
        for (String request : new String[] {"GARBAGE\r\n\r\n", "PUT /api/v1/vms/web HTTP/9.9\r\n\r\n",
                "GET /api/v1/vms HTTP/1.1\r\nHost: x\r\nX: " + "y".repeat(20_000) + "\r\n\r\n",
                "PUT /api/v1/vms/web HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"}) {
            String answer = raw(request);
            if (!answer.isEmpty()) {
                int status = Integer.parseInt(answer.substring(9, 12));
                // 505 HTTP Version Not Supported is the container's correct answer to HTTP/9.9, not a failure
                assertThat(status).as(request.substring(0, Math.min(40, request.length())))
                        .satisfiesAnyOf(s -> assertThat(s).isBetween(400, 499), s -> assertThat(s).isEqualTo(505));
            }
        }
        assertThat(service.puts).isEmpty();
    }

    /** Sends raw bytes, returns whatever comes back until the server closes or 3 s pass. */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            StringBuilder answer = new StringBuilder();
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    if (answer.indexOf("\r\n\r\n") > 0 && answer.length() > 12 && isComplete(answer)) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // the server closed or stalled: what arrived so far is the answer
            }
            return answer.toString();
        }
    }

    private static boolean isComplete(StringBuilder answer) {
        String text = answer.toString();
        int headerEnd = text.indexOf("\r\n\r\n");
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
        if (length.find() && length.start() < headerEnd) {
            return text.length() - headerEnd - 4 >= Integer.parseInt(length.group(1));
        }
        return text.endsWith("0\r\n\r\n") || text.substring(0, headerEnd).toLowerCase().contains("connection: close")
                && text.length() > headerEnd + 4;
    }
}
