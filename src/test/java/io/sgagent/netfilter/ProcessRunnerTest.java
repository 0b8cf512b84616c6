package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: sgagent.netfilter.tool-path must find tools outside {@code ip netns exec} too. Issue 11: stdin and
 * stdout pass through in small chunks (no whole-output direct buffer) and big outputs can be read line by line.
 */
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

    @Test
    void multiByteTextLongerThanAChunkRoundTripsAsUtf8() {
        // 3-byte and 4-byte (surrogate pair) characters cross every 8 KiB chunk boundary on the way in and out
        // (and a real U+FFFD is no malformed input)
        String text = "r\u00e9gle \u2713 \ud83d\ude80 \ufffd\n".repeat(5000);

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5)).run(List.of("cat"), text);

        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.stdout()).isEqualTo(text);
    }

    @Test
    void malformedUtf8OutputFailsTheCallAsBefore() {
        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5)).run(List.of("printf", "\\377"), null);

        assertThat(result.exitCode()).isEqualTo(127);
        assertThat(result.stdout()).isEmpty();
    }

    @Test
    void aBigStdinAndStdoutLeaveNoBigDirectBuffer() {
        String script = "-A sga-i-vnet1 -p udp -m multiport --dports 3007 -j ACCEPT\n".repeat(70_000);
        long before = directBytes();

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(10)).run(List.of("cat"), script);

        assertThat(result.stdout()).isEqualTo(script);
        // Files.readString would have left a cached temporary direct buffer as big as the output (4 MB)
        assertThat(directBytes() - before).as("direct buffer growth").isLessThan(1_000_000);
    }

    @Test
    void streamedStdoutIsHandedOverLineByLine() {
        List<String> lines = new ArrayList<>();

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5)).runStreamed(
                List.of("printf", "one\\ntwo words\\nthree"), stdout -> stdout.lines().forEach(lines::add));

        assertThat(result.ok()).as(result.describe()).isTrue();
        assertThat(result.stdout()).isEmpty();
        assertThat(lines).containsExactly("one", "two words", "three");
    }

    @Test
    void streamedOutputIsReadForFailingCommandsAndAfterATimeout() {
        ProcessRunner runner = new ProcessRunner("", Duration.ofSeconds(1));
        List<String> failed = new ArrayList<>();
        List<String> timedOut = new ArrayList<>();

        ProcessResult exit3 = runner.runStreamed(List.of("sh", "-c", "echo listed; echo oops >&2; exit 3"),
                stdout -> stdout.lines().forEach(failed::add));
        ProcessResult slow = runner.runStreamed(List.of("sh", "-c", "echo partial; exec sleep 10"),
                stdout -> stdout.lines().forEach(timedOut::add));

        assertThat(exit3.exitCode()).isEqualTo(3);
        assertThat(exit3.stderr().strip()).isEqualTo("oops");
        assertThat(failed).containsExactly("listed");
        assertThat(slow.exitCode()).isEqualTo(124);
        assertThat(timedOut).containsExactly("partial");
    }

    @Test
    void aStreamedCommandThatCannotStartIsNotRead() {
        List<String> lines = new ArrayList<>();

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5)).runStreamed(
                List.of("/nonexistent/sgagent-no-such-tool"), stdout -> lines.add("called"));

        assertThat(result.exitCode()).isEqualTo(127);
        assertThat(lines).isEmpty();
    }

    @Test
    void fedInputReachesTheToolAsItIsWritten() {
        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(5)).runFed(List.of("sh", "-c", "wc -l; exit 2"),
                stdin -> {
                    for (int i = 0; i < 100_000; i++) {
                        stdin.write("-A sga-i-vnet1 -j ACCEPT\n");
                    }
                });

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stdout().strip()).isEqualTo("100000");
    }

    @Test
    void aToolThatFailsBeforeReadingItsInputIsReportedNotWaitedFor() {
        // 4 MB: far more than a pipe holds, so the writer would block forever if the early exit went unnoticed
        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(30)).runFed(
                List.of("sh", "-c", "echo refused >&2; exit 4"), stdin -> stdin.write("x".repeat(4_000_000)));

        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.stderr()).contains("refused");
    }

    @Test
    void aToolThatEndsWellWithoutReadingAllItsInputFails() {
        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(30)).runFed(List.of("true"),
                stdin -> stdin.write("x".repeat(4_000_000)));

        assertThat(result.ok()).isFalse();
        assertThat(result.stderr()).contains("stopped reading its input");
    }

    @Test
    void whenTheInputCannotBeWrittenTheToolIsStoppedBeforeItSeesAnEnd() throws Exception {
        // The tool acts only once its input ends (as a restore commits at the end of its input): a failing writer
        // must kill it, not close the pipe and hand it the half written so far as if it were whole.
        Path acted = dir.resolve("acted");
        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(10)).runFed(
                List.of("sh", "-c", "cat > /dev/null; touch " + acted), stdin -> {
                    stdin.write("*filter\n:sga-i-vnet1 - [0:0]\n");
                    stdin.flush();
                    throw new IllegalStateException("render failed");
                });

        assertThat(result.ok()).isFalse();
        assertThat(result.stderr()).contains("could not write its input").contains("render failed");
        Thread.sleep(300);
        assertThat(acted).doesNotExist();
    }

    @Test
    void aToolThatNeverReadsItsInputTimesOut() {
        long start = System.nanoTime();

        ProcessResult result = new ProcessRunner("", Duration.ofSeconds(1)).runFed(List.of("sleep", "30"),
                stdin -> stdin.write("x".repeat(4_000_000)));

        assertThat(result.exitCode()).isEqualTo(124);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }
}
