package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13: sgagent.netfilter.tool-path must find tools outside {@code ip netns exec} too. */
class ProcessRunnerTest {
    @TempDir
    Path dir;

    private Path tool(String name, String script) throws Exception {
        Path tool = dir.resolve(name);
        Files.writeString(tool, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        return tool;
    }

    @Test
    void aToolOnlyInTheToolPathRunsWithoutANamespace() throws Exception {
        tool("sgagent-test-tool", "echo from-tool-path \"$@\"");

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5), dir.toString())
                .run(List.of("sgagent-test-tool", "a b"), null);

        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.stdout().strip()).isEqualTo("from-tool-path a b");
    }

    @Test
    void theToolPathWinsOverPath() throws Exception {
        tool("sysctl", "echo wrapped");

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5), "/nonexistent:" + dir)
                .run(List.of("sysctl", "-n", "kernel.ostype"), null);

        assertThat(result.stdout().strip()).isEqualTo("wrapped");
    }

    @Test
    void resolutionKeepsPathsAndUnknownTools() throws Exception {
        Path tool = tool("iptables-save", "true");

        assertThat(ProcessRunner.resolve(List.of("iptables-save", "-c"), dir.toString()))
                .containsExactly(tool.toString(), "-c");
        assertThat(ProcessRunner.resolve(List.of("ipset", "save"), dir.toString())).containsExactly("ipset", "save");
        assertThat(ProcessRunner.resolve(List.of("/bin/true"), dir.toString())).containsExactly("/bin/true");
        assertThat(ProcessRunner.resolve(List.of("iptables-save"), "")).containsExactly("iptables-save");
    }

    @Test
    void exitCodesAndStdinPassThrough() {
        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5)).run(List.of("sh", "-c", "cat; exit 3"),
                "hello\n");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("hello\n");
    }
}
