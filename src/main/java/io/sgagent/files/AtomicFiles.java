package io.sgagent.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-safe file writes, shared by every store that keeps files (the desired state, the CloudStack view; its own
 * package so both may use it without the CloudStack adapter depending on the core's state): write a temporary file
 * ({@code .<name>.<random>.tmp}) in the same directory, fsync it, rename it over the target atomically, fsync the
 * directory. A crash leaves the previous or the new version, never a mix; a leftover temporary file starts with
 * a dot and ends with {@link #TEMP_SUFFIX}, so its store can remove it on load.
 *
 * <p>Thread-safe: stateless apart from the random source, which is thread-safe.
 */
public final class AtomicFiles {
    private static final Logger log = LoggerFactory.getLogger(AtomicFiles.class);
    public static final String TEMP_SUFFIX = ".tmp";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** Replaces {@code target} with {@code bytes} (mode 0600 where POSIX permissions exist), durably. */
    public static void write(Path target, byte[] bytes) throws IOException {
        writeAll(Map.of(target, bytes));
    }

    private static Path tempFileFor(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong())
                + TEMP_SUFFIX);
    }

    /** Creates {@code file} (it must not exist), writes the bytes and fsyncs it. */
    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), permissions(file.getParent(), "rw-------"))) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private static void deleteTemp(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}; the next load removes it", temp, e.toString());
        }
    }

    /**
     * Replaces several files at once, durably when it returns, for the price of about one: every temporary file is
     * written and fsynced first, then all are renamed, then each directory is fsynced once. Per file this is the
     * same sequence as {@link #write} (a crash leaves each file old or new, never a mix), but the journal commits
     * of the directory fsyncs, which cost more than the small files' data, happen once per directory instead of
     * once per file (1000 small files on ext4: ~0.25-0.45 s instead of ~1.4 s, measured outside the agent). On
     * failure some files may already be new and others old; the caller knows which versions to put back.
     */
    public static void writeAll(Map<Path, byte[]> files) throws IOException {
        Map<Path, Content> contents = new LinkedHashMap<>();
        files.forEach((target, bytes) -> contents.put(target, () -> bytes));
        writeProduced(contents, Runnable::run);
    }

    /** A file's bytes, produced on the thread that writes the file. */
    @FunctionalInterface
    public interface Content {
        byte[] bytes() throws IOException;
    }

    /**
     * {@link #writeAll(Map)} with each file's bytes produced, written and fsynced on {@code io}. The fsyncs of a
     * batch wait for the disk, not the CPU, and the file system commits concurrent ones together (1000 files:
     * ~0.45 s one by one, ~0.22 s with 8 at a time, measured on ext4); the serialisation runs on the same threads,
     * beside the fsyncs instead of before them. A content that throws fails the batch like a write that fails.
     * Every write has ended when this returns or throws.
     */
    public static void writeProduced(Map<Path, Content> files, Executor io) throws IOException {
        Executor on = files.size() == 1 ? Runnable::run : io; // one file: no hand-off to another thread
        Map<Path, Path> temps = new LinkedHashMap<>();
        Set<Path> dirs = new LinkedHashSet<>();
        try {
            List<CompletableFuture<Void>> writes = new ArrayList<>(files.size());
            for (Map.Entry<Path, Content> file : files.entrySet()) {
                Path target = file.getKey();
                Path temp = tempFileFor(target);
                temps.put(target, temp);
                dirs.add(target.getParent());
                Content content = file.getValue();
                Runnable write = () -> {
                    try {
                        writeSynced(temp, content.bytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
                writes.add(CompletableFuture.runAsync(write, on));
            }
            awaitAll(writes);
            for (Iterator<Map.Entry<Path, Path>> it = temps.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Path, Path> renaming = it.next();
                Files.move(renaming.getValue(), renaming.getKey(), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                it.remove();
            }
            for (Path dir : dirs) {
                fsyncDirectory(dir);
            }
        } finally {
            for (Path temp : temps.values()) {
                deleteTemp(temp);
            }
        }
    }

    /** Waits for every write (none may still run once the temporary files are cleaned up); the first failure. */
    private static void awaitAll(List<CompletableFuture<Void>> writes) throws IOException {
        IOException first = null;
        for (CompletableFuture<Void> write : writes) {
            try {
                write.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (first == null) {
                    first = cause instanceof UncheckedIOException io ? io.getCause()
                            : new IOException(String.valueOf(cause), cause);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Deletes several files (those that exist), then fsyncs each directory that changed once. */
    public static void deleteAll(Collection<Path> targets) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path target : targets) {
            if (Files.deleteIfExists(target)) {
                dirs.add(target.getParent());
            }
        }
        for (Path dir : dirs) {
            fsyncDirectory(dir);
        }
    }

    /** Deletes {@code target} durably; false if there was nothing to delete. */
    public static boolean delete(Path target) throws IOException {
        if (Files.deleteIfExists(target)) {
            fsyncDirectory(target.getParent());
            return true;
        }
        return false;
    }

    /** True for a temporary file {@link #write} leaves behind when interrupted. */
    public static boolean isLeftover(String fileName) {
        return fileName.startsWith(".") && fileName.endsWith(TEMP_SUFFIX);
    }

    /**
     * Makes a rename, create or delete in this directory durable. Where the platform cannot open a directory
     * (Windows) there is nothing to fsync and the rename is as durable as that platform makes it; a failing
     * fsync on a directory that could be opened is a real I/O error and is reported.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot open {} to fsync it ({}); relying on the platform", dir, e.toString());
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }

    /** The given POSIX permissions as a creation attribute, or none where the file system has no POSIX view. */
    public static FileAttribute<?>[] permissions(Path where, String permissions) {
        if (where.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString(permissions))};
        }
        return new FileAttribute<?>[0];
    }
}
