package io.sgagent.api;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.netfilter.HostDevices;
import org.springframework.beans.factory.ObjectProvider;
import io.sgagent.config.SgAgentProperties;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;

/** Web-layer wiring owned by the API: the auth and body-size filters, the OpenAPI document, strict JSON reading. */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {
    static final String SECURITY_SCHEME = "bearerAuth";
    private static final Logger log = LoggerFactory.getLogger(ApiConfiguration.class);
    static final String NO_TOKEN_WARNING = "\n"
            + "!!! SECURITY WARNING: API authentication is DISABLED (sgagent.api.token and sgagent.api.token-file are"
            + " empty).\n"
            + "!!! Anyone who can reach this port can open every VM on this host to the Internet, or cut it off.\n"
            + "!!! Production must set sgagent.api.token-file (the Helm chart does); see docs/security.md.";

    /** Only {@code /api/*} (the servlet pattern covers every path below it): docs and actuator stay open. */
    @Bean
    FilterRegistrationBean<ApiTokenFilter> apiTokenFilterRegistration(SgAgentProperties properties) {
        ApiTokenFilter filter = new ApiTokenFilter(ApiTokenFilter.resolveToken(properties.api()));
        if (filter.enabled()) {
            log.info("API authentication enabled: /api/** requires a bearer token");
        } else {
            // Deliberately still starts (local trials, acceptance tests), but loudly: see docs/security.md.
            log.warn(NO_TOKEN_WARNING);
        }
        FilterRegistrationBean<ApiTokenFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName("apiTokenFilter");
        registration.addUrlPatterns("/api/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }

    /** No {@code ;} path parameters under {@code /api/}: they would silently change which VM is meant. */
    @Bean
    FilterRegistrationBean<PathParameterFilter> pathParameterFilterRegistration() {
        FilterRegistrationBean<PathParameterFilter> registration = new FilterRegistrationBean<>(new PathParameterFilter());
        registration.setName("pathParameterFilter");
        registration.addUrlPatterns("/api/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 105);
        return registration;
    }

    /**
     * Body-size limit for every path, after the token check (an unauthenticated client is told 401 whatever it
     * sends). See {@link RequestBodyLimitFilter}.
     */
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilterRegistration(SgAgentProperties properties) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration =
                new FilterRegistrationBean<>(new RequestBodyLimitFilter(properties.limits()));
        registration.setName("requestBodyLimitFilter");
        registration.addUrlPatterns("/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 110);
        return registration;
    }

    /**
     * Jackson 3 no longer fails on unknown properties by default; application.yml turns that on
     * ({@code spring.jackson.deserialization.fail-on-unknown-properties}) and this repeats it, so that a typo
     * such as {@code "ingres"} can never silently drop rules even if the property is overridden. Duplicate keys
     * are rejected too ({@code {"seq":1,"seq":2}}), which no Boot property can switch on.
     */
    @Bean
    JsonMapperBuilderCustomizer strictApiJsonCustomizer() {
        return builder -> builder
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    /**
     * The device checks of every VM NIC (API and CloudStack). Without the kernel reader of host devices (web-slice tests) only the
     * name pattern is checked.
     */
    @Bean
    DevicePolicy devicePolicy(SgAgentProperties properties, ObjectProvider<HostDevices> hostDevices) {
        return new DevicePolicy(properties.devices().pattern(), hostDevices.getIfAvailable());
    }

    @Bean
    OpenAPI sgAgentOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("sg-agent API")
                        .version("v1")
                        .description("Per-hypervisor security-group agent. The management plane PUTs the desired "
                                + "security-group state of each VM; the agent compiles it into iptables, ip6tables "
                                + "and ipset rules, programs the kernel atomically, keeps it programmed, and takes "
                                + "VMs that allow all traffic in both directions out of connection tracking. Errors "
                                + "are RFC 9457 `application/problem+json`; a 400 lists every rejected field in "
                                + "`errors` by JSON path. When a token is configured every `/api/**` call needs "
                                + "`Authorization: Bearer <token>`.")
                        .license(new License().name("Apache-2.0").url("https://www.apache.org/licenses/LICENSE-2.0")))
                .components(new Components().addSecuritySchemes(SECURITY_SCHEME, new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("The token configured as sgagent.api.token or sgagent.api.token-file")))
                .addSecurityItem(new SecurityRequirement().addList(SECURITY_SCHEME));
    }
}
