package io.sgagent.netfilter;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only place in the agent that starts processes. Commands are argv lists, never shell strings, so no
 * VM name, address or rule text can ever be interpreted by a shell. Every call has a timeout. Stdout and stderr
 * go to temporary files, so a chatty tool can never block on a full pipe and no reader threads are needed; stdin
 * is written through a pipe by the calling thread while the tool runs (a restore tool parses as the agent renders),
 * and the timeout, enforced by a deadline that kills the tool, also bounds that writing.
 *
 * <p>Memory: outputs are read in small chunks through plain file streams, never with {@code Files.readString}:
 * that reads a whole file with one temporary direct buffer as big as the file, which the JDK then keeps cached
 * per thread (sun.nio.ch.Util), so every thread that once read an iptables-save or conntrack listing kept that
 * many MB of native memory. Big outputs can be consumed line by line ({@link #runStreamed}) and big inputs
 * written as they are produced ({@link #runFed}), instead of as one String.
 *
 * <p>When a network namespace is configured, every command is prefixed with {@code ip netns exec <ns>}: the
 * agent process stays where it is and only the tools run inside the managed namespace.
 *
 * <p>Tool path: Java resolves argv[0] with the JVM's own PATH, not the PATH given to the child, so the tool is
 * resolved here to an absolute path from the tool-path directories (also under {@code ip netns exec}, which then
 * runs that exact file). The child still gets the tool path in front of its PATH, for tools that run others.
 *
 * <p>Thread-safe: it holds no mutable state.
 */
public class ProcessRunner implements CommandRunner {
    private static final Logger log = LoggerFactory.getLogger(ProcessRunner.class);
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;
    /** How long a killed tool may take to go, after its deadline. */
    private static final long KILL_GRACE_MILLIS = 5_000;

    private final String netns;
    private final Duration timeout;
    private final String toolPath;

    public ProcessRunner(String netns, Duration timeout) {
        this(netns, timeout, "");
    }

    /**
     * @param toolPath directories searched for the kernel tools before the inherited PATH (empty: PATH only);
     *                 lets an operator pin tool versions, and lets fault tests wrap a tool
     */
    public ProcessRunner(String netns, Duration timeout, String toolPath) {
        this.netns = netns == null ? "" : netns.strip();
        this.timeout = timeout;
        this.toolPath = toolPath == null ? "" : toolPath.strip();
    }

    public String netns() {
        return netns;
    }

    /** Runs {@code argv} in the managed namespace, feeding {@code stdin} (may be null). Never throws for exit codes. */
    @Override
    public ProcessResult run(List<String> argv, String stdin) {
        return runRaw(command(argv), stdin, timeout, toolPath);
    }

    /**
     * Runs {@code argv} like {@link #run}, writing its input through a pipe as {@code stdin} produces it: a restore
     * tool parses the first chains while the agent still renders the last ones. If {@code stdin} fails, the tool
     * is killed before it sees the end of its input, so it can never take half a transaction for a whole one.
     */
    @Override
    public ProcessResult runFed(List<String> argv, StdinWriter stdin) {
        return execute(command(argv), stdin, timeout, toolPath, ProcessRunner::read);
    }

    /**
     * Runs {@code argv} like {@link #run} (no stdin) and then hands its stdout file to {@code reader} line by line
     * with a small buffer, so memory stays constant however long the output is. The reader is called for every
     * exit code, also after a timeout (with what the tool wrote until then), not if the command could not start;
     * the result's stdout is empty. The output file is deleted after the reader returns.
     */
    @Override
    public ProcessResult runStreamed(List<String> argv, StdoutReader reader) {
        return execute(command(argv), null, timeout, toolPath, out -> {
            try (BufferedReader lines = new BufferedReader(utf8(out))) {
                reader.read(lines);
            }
            return "";
        });
    }

    private List<String> command(List<String> argv) {
        List<String> command = new ArrayList<>();
        if (!netns.isEmpty()) {
            command.addAll(List.of("ip", "netns", "exec", netns));
        }
        command.addAll(resolve(argv, toolPath));
        return command;
    }

    /**
     * {@code argv} with its tool replaced by the first executable of that name in the tool-path directories;
     * unchanged if the tool path is empty, the tool already names a path, or no directory holds it (PATH decides).
     */
    static List<String> resolve(List<String> argv, String toolPath) {
        String tool = argv.get(0);
        if (toolPath.isEmpty() || tool.contains("/")) {
            return argv;
        }
        for (String dir : toolPath.split(":")) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir.strip(), tool);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                List<String> resolved = new ArrayList<>(argv);
                resolved.set(0, candidate.toAbsolutePath().toString());
                return resolved;
            }
        }
        return argv;
    }

    static ProcessResult runRaw(List<String> command, String stdin, Duration timeout) {
        return runRaw(command, stdin, timeout, "");
    }

    static ProcessResult runRaw(List<String> command, String stdin, Duration timeout, String toolPath) {
        return execute(command, stdin == null ? null : in -> in.write(stdin), timeout, toolPath, ProcessRunner::read);
    }

    /** What to make of the stdout file once the process has ended: its text, or "" when consumed otherwise. */
    @FunctionalInterface
    private interface StdoutFile {
        String consume(Path out) throws IOException;
    }

    private static ProcessResult execute(List<String> command, StdinWriter stdin, Duration timeout, String toolPath,
                                         StdoutFile stdout) {
        Path out = null;
        Path err = null;
        long start = System.nanoTime();
        try {
            out = Files.createTempFile("sgagent-out", ".txt");
            err = Files.createTempFile("sgagent-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                            : ProcessBuilder.Redirect.PIPE);
            if (!toolPath.isEmpty()) {
                String inherited = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
                builder.environment().put("PATH", toolPath + ":" + inherited);
            }
            Process process = builder.start();
            // The timeout also covers writing the input: a tool that stops reading would leave the writer blocked
            // on a full pipe, so the deadline kills the tool (which breaks the pipe) instead of waiting for it.
            AtomicBoolean timedOut = new AtomicBoolean();
            CompletableFuture.runAsync(() -> {
                if (process.isAlive()) {
                    timedOut.set(true);
                    process.destroyForcibly();
                }
            }, CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
            Input input = stdin == null ? Input.NONE : feed(process, stdin);
            if (!process.waitFor(timeout.toMillis() + KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                timedOut.set(true);
                process.destroyForcibly();
                process.waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
            if (timedOut.get()) {
                return new ProcessResult(command, 124, stdout.consume(out), "timed out after " + timeout.toSeconds()
                        + "s. " + read(err));
            }
            int exit = process.exitValue();
            if (log.isDebugEnabled()) {
                // where a write's time goes, tool by tool: from start to exit, input size
                log.debug("{} exited {} after {} ms (stdin {} chars)", command, exit,
                        (System.nanoTime() - start) / 1_000_000, input.chars());
            }
            if (input.problem() != null && exit == 0) {
                // the tool ended well without reading all we had to say: not a transaction we can vouch for
                return new ProcessResult(command, 141, stdout.consume(out), input.problem() + ". " + read(err));
            }
            return new ProcessResult(command, exit, stdout.consume(out),
                    input.failed() ? input.problem() + ". " + read(err) : read(err));
        } catch (IOException e) {
            return new ProcessResult(command, 127, "", "cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProcessResult(command, 130, "", "interrupted");
        } finally {
            delete(out);
            delete(err);
        }
    }

    /**
     * How writing a tool's input went: the characters written, and why it stopped early (null when it did not);
     * {@code failed} when the agent itself could not produce the input.
     */
    private record Input(long chars, String problem, boolean failed) {
        static final Input NONE = new Input(0, null, false);
    }

    /**
     * Writes the tool's input through a 64 KiB buffer and closes the pipe, the tool's end of input. A broken pipe
     * (the tool exited or was killed early) ends the writing; the tool's exit code says why. If {@code stdin} itself
     * fails, the tool is killed first: closing the pipe would hand it a clean end of a partial transaction.
     */
    private static Input feed(Process process, StdinWriter stdin) {
        Utf8PipeWriter pipe = new Utf8PipeWriter(process.getOutputStream());
        try {
            stdin.write(pipe);
            pipe.close();
            return new Input(pipe.chars(), null, false);
        } catch (IOException e) {
            closeQuietly(process);
            return new Input(pipe.chars(), "it stopped reading its input after " + pipe.chars() + " chars ("
                    + e.getMessage() + ")", false);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            closeQuietly(process);
            log.error("cannot write the input of {}; the tool was stopped before it could act on part of it",
                    process.info().command().orElse("a tool"), e);
            return new Input(pipe.chars(), "the agent could not write its input: " + e, true);
        }
    }

    private static void closeQuietly(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // the pipe is already broken; the exit code tells the story
        }
    }

    /**
     * The whole file as UTF-8 text, read in 8 KiB chunks (a plain file stream copies chunks that small through a
     * stack buffer: no direct buffer, no native allocation) into a byte array sized from the file.
     */
    private static String read(Path path) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Files.size(path), MAX_ARRAY));
        byte[] chunk = new byte[8192];
        try (InputStream in = new FileInputStream(path.toFile())) {
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                bytes.write(chunk, 0, n);
            }
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0) {
            // Malformed bytes fail the read as Files.readString did (that decoder reports, this one replaced);
            // checked only when a replacement character shows up, which valid output hardly ever contains.
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray()));
        }
        return text;
    }

    /** A line reader over the file: strict UTF-8 (malformed bytes fail the read), 8 KiB at a time. */
    private static Reader utf8(Path path) throws IOException {
        return new InputStreamReader(new FileInputStream(path.toFile()), StandardCharsets.UTF_8.newDecoder());
    }

    private static void delete(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
