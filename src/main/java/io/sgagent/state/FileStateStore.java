package io.sgagent.state;

import io.sgagent.files.AtomicFiles;
import io.sgagent.model.Vm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The durable desired state: one JSON file per VM, {@code <stateDir>/vms/<name>.json} (see {@link VmDocument} for
 * the format), so that a restarted agent programs exactly what it had acknowledged.
 *
 * <p>Crash safety. A save writes a temporary file ({@code .<name>.json.<random>.tmp}) in the same directory,
 * fsyncs it, renames it over {@code <name>.json} atomically and fsyncs the directory. If the agent or the host
 * dies at any point, the file holds either the previous or the new version, never a mix; a temporary file left
 * behind is removed by the next {@link #load()}. Only after {@code save} returns is the new version durable, and
 * only then does the reconciler write the kernel. A delete removes the file and fsyncs the directory.
 *
 * <p>Corruption. {@link #load()} never programs a file it cannot read back into a valid {@link Vm} (validated by
 * the model exactly like a request): such a file is logged at ERROR, renamed to
 * {@code <name>.json.corrupt-<epochmillis>} for an operator to inspect, and skipped, so one bad file does not
 * keep the agent (and every other VM's rules) down. A file of an unknown {@code format} is treated the same way.
 * An I/O error on the directory itself, by contrast, fails {@code load()}: starting with an empty state would
 * remove every VM's rules, while not starting leaves the kernel's rules in force.
 *
 * <p>Thread-safety: the reconciler's single writer (under its write lock) is the only caller of {@code save} and
 * {@code delete}, and calls {@code load} at startup and when rolling back a failed host-wide replace. Each
 * method is additionally {@code synchronized} on this store, so that {@code load}'s removal of leftover temporary
 * files can never race with a {@code save} in progress even if another caller appears.
 */
public final class FileStateStore implements DesiredStateStore {
    private static final Logger log = LoggerFactory.getLogger(FileStateStore.class);

    static final String VMS_DIR = "vms";
    static final String SUFFIX = ".json";
    static final String CORRUPT_INFIX = ".corrupt-";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path stateDir;
    private final Path vmsDir;
    private final Clock clock;

    public FileStateStore(Path stateDir) {
        this(stateDir, Clock.systemUTC());
    }

    FileStateStore(Path stateDir, Clock clock) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.vmsDir = this.stateDir.resolve(VMS_DIR);
        this.clock = clock;
    }

    /**
     * Every stored VM, by name. Creates the directory (mode 0700) when missing, removes temporary files of
     * interrupted saves and moves unreadable files aside.
     *
     * @throws UncheckedIOException when the directory cannot be created or listed, or a file cannot be read
     */
    @Override
    public synchronized Map<String, Vm> load() {
        SortedMap<String, Vm> vms = new TreeMap<>();
        try {
            ensureDirectory();
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(vmsDir)) {
                stream.forEach(entries::add);
            }
            Collections.sort(entries);
            boolean changed = false;
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                if (isTempFile(fileName) && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    // An interrupted save: the rename never happened, so <name>.json still holds the previous
                    // version (or there never was one). The half-written file has no value.
                    Files.deleteIfExists(entry);
                    log.warn("removed {}, left by a save that did not complete", entry);
                    changed = true;
                } else if (fileName.endsWith(SUFFIX)) {
                    Vm vm = read(entry, fileName.substring(0, fileName.length() - SUFFIX.length()));
                    if (vm == null) {
                        changed = true;
                    } else {
                        vms.put(vm.name(), vm);
                    }
                }
            }
            if (changed) {
                fsyncDirectory(vmsDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the desired state in " + vmsDir + ": " + describe(e), e);
        }
        log.info("loaded the desired state of {} VMs from {}", vms.size(), vmsDir);
        return Collections.unmodifiableSortedMap(vms);
    }

    @Override
    public synchronized void save(Vm vm) throws StateStoreException {
        Path target = fileOf(vm.name());
        byte[] bytes = serialise(vm);
        try {
            ensureDirectory();
            AtomicFiles.write(target, bytes);
        } catch (IOException e) {
            throw new StateStoreException("cannot write " + target + ": " + describe(e), e);
        }
    }

    /**
     * One transaction's worth of files: every save's file is written and fsynced, then all are renamed, then the
     * directory is fsynced once ({@link AtomicFiles#writeProduced}, each file serialised, written and fsynced on
     * {@code io}); deletes follow with one more directory fsync. A host-wide replace of 1000 VMs pays two directory
     * fsyncs, not 1000.
     */
    @Override
    public synchronized void saveAll(Collection<Vm> saves, Collection<String> deletes, Executor io)
            throws StateStoreException {
        // Each VM is serialised by the thread that writes its file: beside the other files' fsyncs.
        Map<Path, AtomicFiles.Content> files = new LinkedHashMap<>();
        for (Vm vm : saves) {
            files.put(fileOf(vm.name()), () -> {
                try {
                    return serialise(vm);
                } catch (StateStoreException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        }
        List<Path> removed = deletes.stream().map(this::fileOf).toList();
        try {
            ensureDirectory();
            if (!files.isEmpty()) {
                AtomicFiles.writeProduced(files, io);
            }
            if (!removed.isEmpty()) {
                AtomicFiles.deleteAll(removed);
            }
        } catch (IOException e) {
            throw new StateStoreException("cannot write the state files in " + vmsDir + ": " + describe(e), e);
        }
    }

    private static byte[] serialise(Vm vm) throws StateStoreException {
        try {
            return JSON.writeValueAsBytes(VmDocument.from(vm));
        } catch (JacksonException e) {
            throw new StateStoreException("cannot serialise VM " + vm.name() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Removes the VM's file; a VM that has no file is already deleted. */
    @Override
    public synchronized void delete(String name) throws StateStoreException {
        Path target = fileOf(name);
        try {
            AtomicFiles.delete(target);
        } catch (IOException e) {
            throw new StateStoreException("cannot delete " + target + ": " + describe(e), e);
        }
    }

    /** The directory holding the VM files ({@code <stateDir>/vms}). */
    Path vmsDirectory() {
        return vmsDir;
    }

    /**
     * The file of a VM. The name is checked here again, although the model already did, because it becomes a
     * path: nothing but a valid VM name (never ".", "..", a separator or an empty string) may reach the file
     * system, and the result must be a direct child of the VM directory.
     */
    Path fileOf(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid VM name");
        }
        Path file = vmsDir.resolve(name + SUFFIX).normalize();
        if (!vmsDir.equals(file.getParent())) {
            throw new IllegalArgumentException("'" + name + "' is not a valid VM name");
        }
        return file;
    }

    static boolean isValidName(String name) {
        return name != null && !name.isEmpty() && Vm.isValidName(name)
                && !name.equals(".") && !name.equals("..");
    }

    private static boolean isTempFile(String fileName) {
        return AtomicFiles.isLeftover(fileName);
    }

    /** The VM in this file, or null after reporting the file as corrupt and moving it aside. */
    private Vm read(Path file, String name) throws IOException {
        String problem;
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            problem = "it is not a regular file";
        } else if (!isValidName(name)) {
            problem = "'" + name + "' is not a valid VM name";
        } else {
            byte[] bytes = Files.readAllBytes(file);
            try {
                Vm vm = JSON.readValue(bytes, VmDocument.class).toVm();
                if (vm.name().equals(name)) {
                    return vm;
                }
                problem = "it holds VM '" + vm.name() + "', not '" + name + "'";
            } catch (JacksonException e) {
                problem = "it is not a VM document: " + e.getOriginalMessage();
            } catch (IllegalArgumentException e) {
                problem = "it is not a valid VM: " + e.getMessage();
            }
        }
        Path aside = moveAside(file);
        log.error("ignoring the stored desired state in {} because {}; {}", file, problem,
                aside == null ? "it could not be moved aside" : "moved it to " + aside.getFileName());
        return null;
    }

    /** Renames an unreadable file to {@code <file>.corrupt-<epochmillis>}; null if that fails. */
    private Path moveAside(Path file) {
        String base = file.getFileName() + CORRUPT_INFIX + clock.millis();
        for (int attempt = 0; attempt < 100; attempt++) {
            Path aside = file.resolveSibling(attempt == 0 ? base : base + "-" + attempt);
            try {
                // Not ATOMIC_MOVE: on Linux that is a bare rename(2), which would overwrite an earlier corrupt
                // copy of the same millisecond. A plain move refuses an existing target and, within one
                // directory, still renames.
                Files.move(file, aside);
                return aside;
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (IOException e) {
                log.error("cannot move {} aside: {}", file, describe(e));
                return null;
            }
        }
        return null;
    }

    /**
     * Creates {@code <stateDir>/vms} (and the state directory) with mode 0700 where the file system has POSIX
     * permissions: the files reveal every VM's addresses and rules. Existing directories are left as they are.
     */
    private void ensureDirectory() throws IOException {
        if (Files.isDirectory(vmsDir)) {
            return;
        }
        Files.createDirectories(vmsDir, dirAttributes());
        fsyncDirectory(vmsDir.getParent());
    }

    private FileAttribute<?>[] dirAttributes() {
        return fileAttributes("rwx------");
    }

    private FileAttribute<?>[] fileAttributes(String permissions) {
        return AtomicFiles.permissions(vmsDir, permissions);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        AtomicFiles.fsyncDirectory(dir);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}; the next start removes it", file, describe(e));
        }
    }

    /** The exception's class and message, e.g. "FileSystemException: /x/vms: Not a directory". */
    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
