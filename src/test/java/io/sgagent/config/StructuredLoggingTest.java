package io.sgagent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code logging.structured.format.console=ecs} (what the chart's {@code logFormat: json} sets, as the environment
 * variable LOGGING_STRUCTURED_FORMAT_CONSOLE) turns every console line into one JSON object, with the agent's
 * application.yml in effect, and key-value pairs of the SLF4J fluent API (the audit log's fields) become JSON fields.
 *
 * <p>Each case starts an empty application in a JVM of its own. Logback's configuration and the logging system
 * properties are JVM-global, and in the surefire JVM every other test's context touches them: Boot's logging
 * lifecycle bean cleans the shared Logback state up whenever any context stops, and LoggingSystemProperties only
 * sets a system property that is absent, so what one context leaves behind can shape the next one's setup. The
 * in-JVM version of this test tried to undo that by hand and still once logged plain text in a full run (the
 * exact interleaving was not reproduced). A fresh JVM has no such history, so the result depends only on the
 * setting under test; without structured logging the JSON assertions fail.
 */
class StructuredLoggingTest {
    static final String MARKER = "applied VM web seq 3";

    @Configuration(proxyBeanMethods = false)
    static class Empty {
    }

    /** Runs in the child JVM: starts an empty application with the given arguments and logs one line. */
    public static final class Main {
        public static void main(String[] args) {
            SpringApplication app = new SpringApplication(Empty.class);
            app.setWebApplicationType(WebApplicationType.NONE);
            app.setBannerMode(Banner.Mode.OFF);
            try (ConfigurableApplicationContext ignored = app.run(args)) {
                LoggerFactory.getLogger("io.sgagent.test").atInfo().addKeyValue("vm", "web")
                        .addKeyValue("seq", "2->3").setMessage(MARKER).log();
            }
        }
    }

    @TempDir
    Path dir;

    /** The child's stdout lines that carry the marker; fails with the child's output if it does not exit 0. */
    private List<String> runChild(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        argv.addAll(List.of(args));
        Path out = dir.resolve("stdout");
        Process child = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!child.waitFor(120, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM did not finish in 120 s:\n" + Files.readString(out));
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(output).isZero();
        return output.lines().filter(l -> l.contains(MARKER)).toList();
    }

    @Test
    void ecsFormatWritesOneJsonObjectPerLine() throws Exception {
        List<String> lines = runChild("--logging.structured.format.console=ecs");

        assertThat(lines).hasSize(1);
        JsonNode line = JsonMapper.builder().build().readTree(lines.get(0));
        assertThat(line.path("message").asString()).isEqualTo(MARKER);
        assertThat(line.path("log").path("level").asString()).isEqualTo("INFO");
        assertThat(line.path("log").path("logger").asString()).isEqualTo("io.sgagent.test");
        assertThat(line.path("service").path("name").asString()).as("spring.application.name from application.yml")
                .isEqualTo("sg-agent");
        assertThat(line.has("@timestamp")).isTrue();
        assertThat(line.path("vm").asString()).as("key-value pairs become fields: %s", line).isEqualTo("web");
        assertThat(line.path("seq").asString()).isEqualTo("2->3");
    }

    @Test
    void withoutTheSettingLinesArePlainText() throws Exception {
        assertThat(runChild()).singleElement().asString().doesNotStartWith("{").contains("INFO");
    }
}
