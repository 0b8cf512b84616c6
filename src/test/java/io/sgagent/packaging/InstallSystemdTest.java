package io.sgagent.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/install-systemd into a DESTDIR: the files a host gets, their modes, an operator's token kept across
 * upgrades, and no systemctl call (a systemctl on PATH that records being called proves it).
 */
class InstallSystemdTest {
    private static final Path SCRIPT = Path.of("scripts", "install-systemd");

    @TempDir
    Path tmp;

    private record Run(int exit, String output) {
    }

    private Run install(Path destdir, String... extra) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path marker = tmp.resolve("systemctl-called");
        Path systemctl = bin.resolve("systemctl");
        Files.writeString(systemctl, "#!/bin/sh\necho \"$@\" >> '" + marker + "'\n");
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> argv = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        argv.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        if (destdir != null) {
            builder.environment().put("DESTDIR", destdir.toString());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(marker).as("systemctl must not be called with DESTDIR or --dry-run").doesNotExist();
        return new Run(process.exitValue(), output);
    }

    private Path fakeJar(String content) throws IOException {
        Path jar = tmp.resolve("sg-agent-9.9.9.jar");
        Files.writeString(jar, content);
        return jar;
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void installsJarOptionsUnitTokenAndEnvironmentFile() throws Exception {
        Path root = tmp.resolve("root");
        Run run = install(root, "--jar", fakeJar("release 1").toString());
        assertThat(run.exit()).as(run.output()).isZero();

        assertThat(root.resolve("opt/sg-agent/sg-agent.jar")).hasContent("release 1");
        assertThat(root.resolve("opt/sg-agent/jvm.options")).hasSameTextualContentAs(Path.of("config/jvm.options"));
        assertThat(root.resolve("etc/systemd/system/sg-agent.service"))
                .hasSameTextualContentAs(Path.of("packaging/systemd/sg-agent.service"));
        assertThat(mode(root.resolve("etc/sg-agent"))).isEqualTo("rwx------");
        Path token = root.resolve("etc/sg-agent/token");
        assertThat(mode(token)).isEqualTo("rw-------");
        assertThat(Files.readString(token)).matches("[A-Za-z0-9]{48}\n");
        assertThat(Files.readString(root.resolve("etc/sg-agent/sg-agent.env")))
                .contains("MANAGEMENT_SERVER_ADDRESS=127.0.0.1");
        assertThat(run.output()).contains("systemctl not called");
    }

    @Test
    void anUpgradeReplacesTheReleaseFilesAndKeepsTheOperatorsOnes() throws Exception {
        Path root = tmp.resolve("root");
        assertThat(install(root, "--jar", fakeJar("release 1").toString()).exit()).isZero();
        Path token = root.resolve("etc/sg-agent/token");
        Files.writeString(token, "operator-chosen-token\n");
        Files.writeString(root.resolve("etc/sg-agent/sg-agent.env"), "SERVER_ADDRESS=10.0.0.5\n");

        Run upgrade = install(root, "--jar=" + fakeJar("release 2"));
        assertThat(upgrade.exit()).as(upgrade.output()).isZero();
        assertThat(root.resolve("opt/sg-agent/sg-agent.jar")).hasContent("release 2");
        assertThat(token).hasContent("operator-chosen-token");
        assertThat(root.resolve("etc/sg-agent/sg-agent.env")).hasContent("SERVER_ADDRESS=10.0.0.5");
    }

    @Test
    void dryRunChangesNothing() throws Exception {
        Path root = tmp.resolve("root");
        Run run = install(root, "--dry-run", "--jar", fakeJar("x").toString());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("would run: install -m 0644").contains("would create a random token");
        assertThat(root).doesNotExist();
    }

    @Test
    void badArgumentsFailWithAMessage() throws Exception {
        Path root = tmp.resolve("root");
        Run missing = install(root, "--jar", tmp.resolve("nope.jar").toString());
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.output()).contains("no such jar");
        Run unknown = install(root, "--force");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.output()).contains("unknown argument: --force");
        assertThat(root).doesNotExist();
    }
}
