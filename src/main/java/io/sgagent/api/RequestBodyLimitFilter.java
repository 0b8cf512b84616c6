package io.sgagent.api;

import io.sgagent.api.common.ProblemType;
import io.sgagent.config.SgAgentProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps the size of request bodies. Tomcat limits headers and form posts, but not a JSON body: without this a
 * client could make the agent buffer and parse any amount of JSON. A declared {@code Content-Length} above the
 * limit is answered 413 at once, without reading the body; a chunked body (no length) is counted while Jackson
 * reads it, and the read fails with {@link BodyTooLargeException} at the first byte beyond the limit, which
 * {@link ApiExceptionHandler} turns into the same 413. The full host state ({@code PUT /api/v1/vms}) has a limit
 * of its own, since it carries every VM of the host. Thread-safe: immutable after construction.
 */
class RequestBodyLimitFilter extends OncePerRequestFilter {
    static final String HOST_STATE_PATH = "/api/v1/vms";
    private static final Logger log = LoggerFactory.getLogger(RequestBodyLimitFilter.class);

    private final long maxBody;
    private final long maxHostStateBody;

    RequestBodyLimitFilter(SgAgentProperties.Limits limits) {
        this.maxBody = limits.maxBodySize().toBytes();
        this.maxHostStateBody = limits.maxHostStateBodySize().toBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean hostState = "PUT".equals(request.getMethod())
                && HOST_STATE_PATH.equals(request.getRequestURI().substring(request.getContextPath().length()));
        long max = hostState ? maxHostStateBody : maxBody;
        String limit = hostState ? "max-host-state-body-size" : "max-body-size";
        long declared = request.getContentLengthLong();
        if (declared > max) {
            log.info("rejected {} {} from {}: Content-Length {} exceeds {} bytes", request.getMethod(),
                    request.getRequestURI(), request.getRemoteAddr(), declared, max);
            reject(request, response, max, limit);
            return;
        }
        chain.doFilter(new LimitedRequest(request, max, limit), response);
    }

    private static void reject(HttpServletRequest request, HttpServletResponse response, long max, String limit)
            throws IOException {
        response.setStatus(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
        // The unread body would otherwise be swallowed by the container before the connection can be reused.
        response.setHeader(HttpHeaders.CONNECTION, "close");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write("{\"type\":\"" + ProblemType.BODY_TOO_LARGE.uri() + "\","
                + "\"title\":\"" + ProblemType.BODY_TOO_LARGE.title() + "\",\"status\":413,"
                + "\"detail\":\"the request body exceeds " + max + " bytes (sgagent.limits." + limit + ")\","
                + "\"instance\":\"" + ApiTokenFilter.jsonEscape(request.getRequestURI()) + "\","
                + "\"limit\":\"sgagent.limits." + limit + "\",\"max\":" + max + "}");
    }

    /** Thrown by the body stream at the first byte beyond the limit. */
    static final class BodyTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long max;
        private final String limit;

        BodyTooLargeException(long max, String limit) {
            super("the request body exceeds " + max + " bytes (sgagent.limits." + limit + ")");
            this.max = max;
            this.limit = limit;
        }

        long max() {
            return max;
        }

        String limit() {
            return limit;
        }
    }

    /** The request with a body stream that fails once more than {@code max} bytes were read. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long max;
        private final String limit;
        private ServletInputStream stream;
        private BufferedReader reader;

        LimitedRequest(HttpServletRequest request, long max, String limit) {
            super(request);
            this.max = max;
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedInputStream(super.getInputStream(), max, limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            if (reader == null) {
                String encoding = getCharacterEncoding();
                Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
                reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
            }
            return reader;
        }
    }

    private static final class LimitedInputStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long max;
        private final String limit;
        private long count;

        LimitedInputStream(ServletInputStream in, long max, String limit) {
            this.in = in;
            this.max = max;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            // Never ask for more than one byte beyond the limit: the overflow is detected without buffering more.
            int ask = (int) Math.min(length, Math.max(1, max + 1 - count));
            int n = in.read(buffer, offset, ask);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLargeException {
            count += n;
            if (count > max) {
                throw new BodyTooLargeException(max, limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
