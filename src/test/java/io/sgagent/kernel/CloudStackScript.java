package io.sgagent.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CloudStack drop-in {@code cloudstack/security_group.py} the way the CloudStack KVM agent does: the file
 * itself is executed (its {@code #!/usr/bin/python3} line), with an argv list, no shell, so {@code ;} in an argument
 * is literal. Every call is timed and recorded for the lifecycle table.
 */
final class CloudStackScript {
    static final Path SCRIPT = Path.of("cloudstack", "security_group.py").toAbsolutePath();

    private final Map<String, String> environment;
    private final List<Call> calls = new ArrayList<>();

    /** One call: what was run, how it ended, how long it took (process start to exit). */
    record Call(String step, List<String> argv, int exit, String stdout, String stderr, double millis) {
        String command() {
            return argv.get(0);
        }
    }

    CloudStackScript(String agentUrl, Path tokenFile, Path libvirtRunDir, Path logFile) {
        this.environment = Map.of(
                "SGAGENT_URL", agentUrl,
                "SGAGENT_TOKEN_FILE", tokenFile.toString(),
                "SGAGENT_LIBVIRT_RUN_DIR", libvirtRunDir.toString(),
                "SGAGENT_LOG", logFile.toString());
    }

    /** Runs {@code command args...}; {@code step} labels the call in the lifecycle table. */
    synchronized Call run(String step, String... argv) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            command.add(SCRIPT.toString());
        } else {
            command.add("python3");
            command.add(SCRIPT.toString());
        }
        command.addAll(List.of(argv));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("SGAGENT_"));
        builder.environment().putAll(environment);
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + SCRIPT, e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        try {
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("security_group.py " + String.join(" ", argv) + " did not finish");
            }
            double millis = (System.nanoTime() - start) / 1e6;
            Call call = new Call(step, List.of(argv), process.exitValue(), out.get(10, TimeUnit.SECONDS),
                    err.get(10, TimeUnit.SECONDS), millis);
            calls.add(call);
            return call;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs and requires exit 0. */
    Call ok(String step, String... argv) {
        Call call = run(step, argv);
        if (call.exit() != 0) {
            throw new AssertionError("security_group.py " + String.join(" ", argv) + " exited " + call.exit()
                    + ":\n" + call.stdout() + call.stderr());
        }
        return call;
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The lifecycle table of this script's calls: step, command, exit code, milliseconds. */
    String table(String title) {
        return table(title, calls);
    }

    /** The table of these calls. */
    static String table(String title, List<Call> calls) {
        StringBuilder sb = new StringBuilder("\n" + title + "\n");
        sb.append(String.format("| %-3s | %-44s | %-30s | %-4s | %8s |%n", "#", "step", "command", "exit", "ms"));
        sb.append("|-----|----------------------------------------------|--------------------------------|------|"
                + "----------|\n");
        int i = 1;
        double total = 0;
        for (Call call : calls) {
            sb.append(String.format("| %-3d | %-44s | %-30s | %-4d | %8.1f |%n", i++, call.step(), call.command(),
                    call.exit(), call.millis()));
            total += call.millis();
        }
        double[] ms = calls.stream().mapToDouble(Call::millis).sorted().toArray();
        sb.append(String.format("%d calls, %.0f ms in total, median %.1f ms%n", calls.size(), total,
                ms.length == 0 ? 0 : ms[ms.length / 2]));
        return sb.toString();
    }

    /**
     * The rule string as the CloudStack agent passes it ({@code NEXT;}) and its signature, which the management
     * server computes over {@code stringifyRules()}, whose separators are still spaces.
     */
    static String[] rulesAndSig(String rules) {
        String stringified = rules.replace("NEXT;", "NEXT ");
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(stringified.getBytes(StandardCharsets.UTF_8));
            return new String[] {stringified.replace(" ", ";"), HexFormat.of().formatHex(md5)};
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
