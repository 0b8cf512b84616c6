package io.sgagent.api;

import io.sgagent.config.SgAgentProperties;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * The API web slice: our controllers, the advice, the API's own configuration (auth filter, strict JSON,
 * OpenAPI bean) and {@link FakeSecurityGroupService} in place of the agent.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@WebMvcTest(controllers = {VmController.class, HostStateController.class, ConntrackController.class})
@Import({ApiConfiguration.class, FakeSecurityGroupService.class})
@EnableConfigurationProperties(SgAgentProperties.class)
@interface ApiWebMvcTest {
    @AliasFor(annotation = WebMvcTest.class, attribute = "properties")
    String[] properties() default {};
}
