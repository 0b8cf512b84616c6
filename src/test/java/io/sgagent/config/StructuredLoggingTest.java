package io.sgagent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code logging.structured.format.console=ecs} (what the chart's {@code logFormat: json} sets, as the environment
 * variable LOGGING_STRUCTURED_FORMAT_CONSOLE) turns every console line into one JSON object, with the agent's
 * application.yml in effect. An empty context keeps it cheap: logging is set up before any bean exists.
 */
@ExtendWith(OutputCaptureExtension.class)
class StructuredLoggingTest {

    @Configuration(proxyBeanMethods = false)
    static class Empty {
    }

    /**
     * Boot configures Logback once per JVM while a context (such as the cached ones of other tests) keeps it marked
     * initialised, and hands the format over in a system property that outlives the context. So: mark it
     * uninitialised before (this test's context really sets it up), and afterwards set plain logging up again for
     * the tests that follow in this JVM.
     */
    @BeforeEach
    void forceLoggingSetUp() {
        System.clearProperty("CONSOLE_LOG_STRUCTURED_FORMAT");
        LoggingSystem.get(getClass().getClassLoader()).cleanUp();
    }

    @AfterEach
    void restorePlainLogging() {
        forceLoggingSetUp();
        SpringApplication app = new SpringApplication(Empty.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.run().close();
        System.clearProperty("CONSOLE_LOG_STRUCTURED_FORMAT");
    }

    @Test
    void ecsFormatWritesOneJsonObjectPerLine(CapturedOutput output) {
        SpringApplication app = new SpringApplication(Empty.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext ignored = app.run("--logging.structured.format.console=ecs")) {
            LoggerFactory.getLogger("io.sgagent.test").info("applied VM web seq 3");
        }
        List<String> lines = output.getOut().lines().filter(l -> l.contains("applied VM web seq 3")).toList();
        assertThat(lines).hasSize(1);
        JsonNode line = JsonMapper.builder().build().readTree(lines.get(0));
        assertThat(line.path("message").asString()).isEqualTo("applied VM web seq 3");
        assertThat(line.path("log").path("level").asString()).isEqualTo("INFO");
        assertThat(line.path("log").path("logger").asString()).isEqualTo("io.sgagent.test");
        assertThat(line.path("service").path("name").asString()).as("spring.application.name from application.yml")
                .isEqualTo("sg-agent");
        assertThat(line.has("@timestamp")).isTrue();
    }

    @Test
    void withoutTheSettingLinesArePlainText(CapturedOutput output) {
        SpringApplication app = new SpringApplication(Empty.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext ignored = app.run()) {
            LoggerFactory.getLogger("io.sgagent.test").info("plain line");
        }
        assertThat(output.getOut().lines().filter(l -> l.contains("plain line")))
                .singleElement().asString().doesNotStartWith("{").contains("INFO");
    }
}
