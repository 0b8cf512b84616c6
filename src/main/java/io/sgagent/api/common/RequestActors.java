package io.sgagent.api.common;

import io.sgagent.reconcile.Actor;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Who sent the current request, for the audit log: the subject of the TLS client certificate when mutual TLS is on
 * (the strongest identity: it names the caller), else {@code token} when the bearer-token filter let the request
 * through, else {@code anonymous} (API authentication off). Outside a request (startup, drift repair, tools) the
 * agent itself.
 */
public final class RequestActors {
    /** Set by the bearer-token filter on a request whose token it accepted. */
    public static final String TOKEN_AUTHENTICATED = RequestActors.class.getName() + ".tokenAuthenticated";
    /** The servlet container's attribute for the verified client certificate chain (Servlet spec). */
    static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

    private RequestActors() {
    }

    /** The actor of the request bound to this thread by Spring MVC, or {@link Actor#AGENT} if there is none. */
    public static Actor current() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        return attributes instanceof ServletRequestAttributes servlet ? of(servlet.getRequest()) : Actor.AGENT;
    }

    static Actor of(HttpServletRequest request) {
        if (request.getAttribute(CERTIFICATES) instanceof X509Certificate[] chain && chain.length > 0) {
            return Actor.certificate(chain[0].getSubjectX500Principal().getName());
        }
        return Boolean.TRUE.equals(request.getAttribute(TOKEN_AUTHENTICATED)) ? Actor.TOKEN : Actor.ANONYMOUS;
    }
}
