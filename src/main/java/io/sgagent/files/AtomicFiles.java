package io.sgagent.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
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
        Path dir = target.getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong())
                + TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), permissions(dir, "rw-------"))) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            fsyncDirectory(dir);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    log.warn("cannot remove {}: {}; the next load removes it", temp, e.toString());
                }
            }
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
