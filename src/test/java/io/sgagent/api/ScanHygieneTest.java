package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.SgAgentApplication;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * The real application (kernel ITs start it with test classes on the classpath and no test filters) must find
 * exactly the API's production beans in this package, never a test fake or test configuration.
 */
class ScanHygieneTest {
    @Test
    void componentScanOfTheApiPackageFindsOnlyProductionBeans() {
        Set<String> found = new ClassPathScanningCandidateComponentProvider(true)
                .findCandidateComponents("io.sgagent.api").stream()
                .map(BeanDefinition::getBeanClassName).collect(Collectors.toSet());
        assertThat(found).containsExactlyInAnyOrder(
                VmController.class.getName(), HostStateController.class.getName(),
                ConntrackController.class.getName(), ApiExceptionHandler.class.getName(),
                ApiConfiguration.class.getName());
    }

    @Test
    void theApplicationIsTheOnlySpringBootConfiguration() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(SpringBootConfiguration.class));
        assertThat(scanner.findCandidateComponents("io.sgagent")).extracting(BeanDefinition::getBeanClassName)
                .containsExactly(SgAgentApplication.class.getName());
    }
}
