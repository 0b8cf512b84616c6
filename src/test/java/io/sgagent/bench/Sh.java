package io.sgagent.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs commands for the benchmark driver (argv, no shell), optionally inside a network namespace. */
final class Sh {
    private Sh() {
    }

    /** Outcome of one command with its wall-clock time. */
    record Result(List<String> argv, int exit, String out, String err, long nanos) {
        boolean ok() {
            return exit == 0;
        }

        Result orThrow() {
            if (exit != 0) {
                throw new IllegalStateException("command failed (exit " + exit + "): " + String.join(" ", argv)
                        + "\n" + err.strip() + (out.isBlank() ? "" : "\n" + abbreviate(out.strip())));
            }
            return this;
        }

        double millis() {
            return nanos / 1e6;
        }
    }

    static Result run(List<String> argv) {
        return run(argv, null, 120);
    }

    static Result inNs(String netns, String... argv) {
        return run(ns(netns, List.of(argv)), null, 120);
    }

    static Result inNsStdin(String netns, String stdin, String... argv) {
        return run(ns(netns, List.of(argv)), stdin, 300);
    }

    static List<String> ns(String netns, List<String> argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(argv);
        return full;
    }

    /** Runs argv, feeding stdin from a file (like the agent's process runner), waiting at most timeoutSeconds. */
    static Result run(List<String> argv, String stdin, long timeoutSeconds) {
        Path in = null;
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("sgbench-out", ".txt");
            err = Files.createTempFile("sgbench-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("LC_ALL", "C");
            if (stdin != null) {
                in = Files.createTempFile("sgbench-in", ".txt");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
                builder.redirectInput(in.toFile());
            } else {
                builder.redirectInput(new File("/dev/null"));
            }
            long start = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(argv, 124, Files.readString(out), "timed out after " + timeoutSeconds + " s",
                        System.nanoTime() - start);
            }
            long nanos = System.nanoTime() - start;
            return new Result(argv, process.exitValue(), Files.readString(out), Files.readString(err), nanos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            for (Path p : new Path[] {in, out, err}) {
                if (p != null) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a leftover temp file is harmless
                    }
                }
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }
}
