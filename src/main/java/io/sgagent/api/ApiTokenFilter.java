package io.sgagent.api;

import io.sgagent.api.common.ProblemType;
import io.sgagent.api.common.RequestActors;
import io.sgagent.config.SgAgentProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer-token check for {@code /api/**} (registered for that path by {@link ApiConfiguration}). With an empty
 * token every request passes. The presented and expected tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, so the time taken reveals neither a matching prefix nor the token's length.
 * The token is never logged. Thread-safe: immutable after construction.
 */
class ApiTokenFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiTokenFilter.class);
    private static final String BEARER = "Bearer ";
    private static final String REALM = "Bearer realm=\"sg-agent\"";

    /** SHA-256 of the expected token; null when authentication is off. */
    private final byte[] expectedDigest;

    ApiTokenFilter(String token) {
        this.expectedDigest = token == null || token.isEmpty() ? null : sha256(token);
    }

    boolean enabled() {
        return expectedDigest != null;
    }

    /**
     * The token from the settings: the first line of {@code token-file} if that is set (read once, at start),
     * else {@code token}. A configured token file that cannot be read or whose first line is empty stops the
     * start-up: falling back to "no authentication" because of a deployment mistake would fail open.
     */
    static String resolveToken(SgAgentProperties.Api api) {
        if (api == null) {
            return "";
        }
        String file = api.tokenFile();
        if (file != null && !file.isBlank()) {
            String line;
            try (BufferedReader reader = Files.newBufferedReader(Path.of(file.strip()), StandardCharsets.UTF_8)) {
                line = reader.readLine();
            } catch (IOException e) {
                throw new IllegalStateException("sgagent.api.token-file " + file + " cannot be read: " + e, e);
            }
            String token = line == null ? "" : line.strip();
            if (token.isEmpty()) {
                throw new IllegalStateException("sgagent.api.token-file " + file + " is set but its first line is empty");
            }
            return token;
        }
        return api.token() == null ? "" : api.token().strip();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (expectedDigest == null) {
            chain.doFilter(request, response);
            return;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            log.debug("rejected {} {} from {}: no Authorization header", request.getMethod(), request.getRequestURI(),
                    request.getRemoteAddr());
            reject(request, response, REALM, "a bearer token is required (Authorization: Bearer <token>)");
            return;
        }
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            log.info("rejected {} {} from {}: Authorization is not a bearer token", request.getMethod(),
                    request.getRequestURI(), request.getRemoteAddr());
            reject(request, response, REALM + ", error=\"invalid_request\"",
                    "the Authorization header must use the Bearer scheme");
            return;
        }
        String presented = header.substring(BEARER.length()).strip();
        if (!MessageDigest.isEqual(sha256(presented), expectedDigest)) {
            log.info("rejected {} {} from {}: wrong bearer token", request.getMethod(), request.getRequestURI(),
                    request.getRemoteAddr());
            reject(request, response, REALM + ", error=\"invalid_token\"", "the bearer token is not valid");
            return;
        }
        request.setAttribute(RequestActors.TOKEN_AUTHENTICATED, Boolean.TRUE); // the audit log names "token"
        chain.doFilter(request, response);
    }

    private static void reject(HttpServletRequest request, HttpServletResponse response, String challenge,
                               String detail) throws IOException {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write("{\"type\":\"" + ProblemType.UNAUTHORIZED.uri() + "\",\"title\":\"" + ProblemType.UNAUTHORIZED.title() + "\","
                + "\"status\":401,\"detail\":\"" + jsonEscape(detail) + "\",\"instance\":\""
                + jsonEscape(request.getRequestURI()) + "\"}");
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
