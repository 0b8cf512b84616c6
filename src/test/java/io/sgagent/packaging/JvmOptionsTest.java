package io.sgagent.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.helm.Chart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One file of JVM options (config/jvm.options) for every way of running the agent: the image copies it and its
 * entrypoint reads it, the chart's command reads the image's copy, the systemd unit reads the installed copy.
 */
class JvmOptionsTest {
    private static final Path OPTIONS = Path.of("config", "jvm.options");

    @Test
    void theFileHoldsOneJvmOptionPerLine() throws Exception {
        List<String> options = Files.readAllLines(OPTIONS).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(options).isNotEmpty().allMatch(l -> l.matches("-\\S+"), "one option per line, no spaces");
    }

    @Test
    void dockerfileCopiesTheFileAndItsEntrypointReadsIt() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^COPY config/jvm\\.options /opt/sg-agent/jvm\\.options$")
                .containsPattern("(?m)^ENTRYPOINT \\[\"java\", \"@/opt/sg-agent/jvm\\.options\",");
        assertThat(Files.readString(Path.of(".dockerignore"))).contains("!config/jvm.options");
    }

    @Test
    void chartCommandReadsTheImagesCopy() {
        List<String> command = Chart.at(Chart.render("").one("DaemonSet"), "spec", "template", "spec", "containers",
                0, "command");
        assertThat(command).startsWith("java", "@/opt/sg-agent/jvm.options").endsWith("-jar",
                "/opt/sg-agent/sg-agent.jar");
    }

    @Test
    void systemdUnitReadsTheInstalledCopy() throws Exception {
        String unit = Files.readString(Path.of("packaging", "systemd", "sg-agent.service"));
        assertThat(unit).containsPattern("(?m)^ExecStart=/usr/bin/java @/opt/sg-agent/jvm\\.options ");
        assertThat(Files.readString(Path.of("scripts", "install-systemd")))
                .contains("\"$options_src\" \"$destdir/opt/sg-agent/jvm.options\"");
    }
}
