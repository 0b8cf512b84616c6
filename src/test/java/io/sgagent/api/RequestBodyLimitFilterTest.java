package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.config.SgAgentProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

/**
 * The body stream of {@link RequestBodyLimitFilter} for a body without {@code Content-Length} (chunked): it
 * delivers exactly the limit and fails at the first byte beyond it, through the stream and the reader alike.
 */
class RequestBodyLimitFilterTest {
    private static final SgAgentProperties.Limits LIMITS = new SgAgentProperties.Limits(DataSize.ofBytes(1024),
            DataSize.ofBytes(2048), 16, 1000, 1000, 64, 4096);

    /** A request whose length is unknown, as with {@code Transfer-Encoding: chunked}. */
    private static MockHttpServletRequest chunked(String method, String uri, int bytes) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, uri) {
            @Override
            public long getContentLengthLong() {
                return -1;
            }

            @Override
            public int getContentLength() {
                return -1;
            }
        };
        request.setContent("x".repeat(bytes).getBytes(StandardCharsets.UTF_8));
        request.setCharacterEncoding("UTF-8");
        return request;
    }

    private static HttpServletRequest passedOn(MockHttpServletRequest request) throws Exception {
        HttpServletRequest[] seen = new HttpServletRequest[1];
        MockHttpServletResponse response = new MockHttpServletResponse();
        new RequestBodyLimitFilter(LIMITS).doFilter(request, response, (req, res) -> seen[0] = (HttpServletRequest) req);
        assertThat(response.getStatus()).isEqualTo(200);
        return seen[0];
    }

    @Test
    void aChunkedBodyUpToTheLimitIsReadCompletely() throws Exception {
        try (InputStream in = passedOn(chunked("PUT", "/api/v1/vms/web", 1024)).getInputStream()) {
            assertThat(in.readAllBytes()).hasSize(1024);
        }
        try (Reader in = passedOn(chunked("PUT", "/api/v1/vms", 2048)).getReader()) {
            assertThat(in.transferTo(Writer.nullWriter())).isEqualTo(2048);
        }
    }

    @Test
    void aChunkedBodyBeyondTheLimitFailsAtTheFirstExtraByte() throws Exception {
        InputStream in = passedOn(chunked("PUT", "/api/v1/vms/web", 1025)).getInputStream();
        byte[] buffer = new byte[4096];
        assertThat(in.readNBytes(buffer, 0, 1024)).isEqualTo(1024);
        assertThatThrownBy(in::read).isInstanceOf(RequestBodyLimitFilter.BodyTooLargeException.class)
                .hasMessageContaining("1024 bytes").hasMessageContaining("sgagent.limits.max-body-size");

        Reader reader = passedOn(chunked("PUT", "/api/v1/vms", 5000)).getReader();
        assertThatThrownBy(() -> reader.transferTo(Writer.nullWriter()))
                .isInstanceOf(RequestBodyLimitFilter.BodyTooLargeException.class)
                .hasMessageContaining("sgagent.limits.max-host-state-body-size");
    }

    @Test
    void theLargerHostStateLimitAppliesOnlyToPutOfTheExactHostStatePath() throws Exception {
        for (String uri : new String[] {"/api/v1/vms/", "/api/v1/vms;x=1", "/api/v1/vms/web"}) {
            InputStream in = passedOn(chunked("PUT", uri, 1500)).getInputStream();
            assertThatThrownBy(in::readAllBytes).as(uri).isInstanceOf(IOException.class);
        }
        InputStream post = passedOn(chunked("POST", "/api/v1/vms", 1500)).getInputStream();
        assertThatThrownBy(post::readAllBytes).isInstanceOf(IOException.class);
    }

    @Test
    void aDeclaredLengthBeyondTheLimitIsRefusedWithoutCallingTheChain() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("PUT", "/api/v1/vms/web");
        request.setContent(new byte[1025]);
        MockHttpServletResponse response = new MockHttpServletResponse();
        boolean[] called = {false};
        new RequestBodyLimitFilter(LIMITS).doFilter(request, response, (req, res) -> called[0] = true);
        assertThat(called[0]).isFalse();
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentType()).startsWith("application/problem+json");
        assertThat(response.getHeader("Connection")).isEqualTo("close");
        assertThat(response.getContentAsString()).contains("\"max\":1024", "sgagent.limits.max-body-size");
    }
}
