package io.sgagent.api;

import io.sgagent.api.common.ProblemType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rejects {@code ;} path parameters under {@code /api/}. The servlet container and Spring both strip them before
 * a path variable is bound, so without this check {@code DELETE /api/v1/vms/web;x} would delete VM {@code web}
 * and {@code PUT /api/v1/vms/web;reboot} would program it, although the client named a VM that cannot exist.
 * A name with a real {@code ;} must be percent-encoded ({@code %3B}), and is then rejected by name validation.
 * Thread-safe: stateless.
 */
class PathParameterFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(PathParameterFilter.class);

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String uri = request.getRequestURI();
        if (uri.indexOf(';') < 0) {
            chain.doFilter(request, response);
            return;
        }
        log.info("rejected {} {} from {}: path parameters", request.getMethod(), uri, request.getRemoteAddr());
        response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        String message = "path parameters (';') are not allowed; a VM name never contains ';'";
        response.getWriter().write("{\"type\":\"" + ProblemType.INVALID_REQUEST.uri() + "\","
                + "\"title\":\"" + ProblemType.INVALID_REQUEST.title() + "\",\"status\":400,\"detail\":\"name: " + message + "\","
                + "\"instance\":\"" + ApiTokenFilter.jsonEscape(uri) + "\","
                + "\"errors\":[{\"field\":\"name\",\"message\":\"" + message + "\"}]}");
    }
}
