package io.sgagent.cloudstack;

import io.sgagent.cloudstack.CloudStackVm.CloudStackNic;
import io.sgagent.model.Vm;
import io.sgagent.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON file per VM, {@code <dir>/<name>.json}, written like the agent's own desired state: a temporary file in
 * the same directory, fsync, atomic rename, fsync of the directory, mode 0600. A crash leaves the previous or the
 * new version, never a mix; leftover temporary files are removed by {@link #load()}, unreadable files are moved
 * aside ({@code .corrupt-<millis>}) and skipped. A view that is lost or older than the agent's VM is harmless: the
 * adapter then reports the VM as not in force and CloudStack resends its rules (see {@link CloudStackAdapter}).
 * Thread-safety: every method is {@code synchronized}.
 */
final class FileViewStore implements ViewStore {
    private static final Logger log = LoggerFactory.getLogger(FileViewStore.class);
    private static final String SUFFIX = ".json";
    private static final int FORMAT = 1;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final Path dir;

    FileViewStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    Path directory() {
        return dir;
    }

    /** The file format: the view plus a format number, so that a later version can tell old files apart. */
    record Document(int format, String name, long vmId, String domId, String ip, String sig, long seq, String rules,
                    List<NicDocument> nics, long agentSeq) {
        static Document of(CloudStackVm vm) {
            return new Document(FORMAT, vm.name(), vm.vmId(), vm.domId(), vm.ip(), vm.sig(), vm.seq(), vm.rules(),
                    vm.nics().stream().map(n -> new NicDocument(n.vif(), n.mac(), n.ip(), n.ip6(), n.secIps(),
                            n.brName())).toList(), vm.agentSeq());
        }

        CloudStackVm toView() {
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown format " + format);
            }
            return new CloudStackVm(name, vmId, domId, ip, sig, seq, rules,
                    nics.stream().map(n -> new CloudStackNic(n.vif(), n.mac(), n.ip(), n.ip6(),
                            n.secIps() == null ? List.of() : n.secIps(), n.brName())).toList(), agentSeq);
        }
    }

    record NicDocument(String vif, String mac, String ip, String ip6, List<String> secIps, String brName) {
    }

    @Override
    public synchronized Map<String, CloudStackVm> load() {
        Map<String, CloudStackVm> views = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return views;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (AtomicFiles.isLeftover(file)) {
                    Files.deleteIfExists(entry);
                } else if (file.endsWith(SUFFIX)) {
                    CloudStackVm view = read(entry, file.substring(0, file.length() - SUFFIX.length()));
                    if (view != null) {
                        views.put(view.name(), view);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CloudStack views in " + dir + ": " + e.getMessage(), e);
        }
        log.info("loaded {} CloudStack VM views from {}", views.size(), dir);
        return views;
    }

    private CloudStackVm read(Path file, String name) throws IOException {
        String problem;
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            problem = "it is not a regular file";
        } else {
            try {
                CloudStackVm view = JSON.readValue(Files.readAllBytes(file), Document.class).toView();
                if (view.name().equals(name)) {
                    return view;
                }
                problem = "it holds VM " + view.name();
            } catch (JacksonException e) {
                problem = "it is not a view document: " + e.getOriginalMessage();
            } catch (IllegalArgumentException | NullPointerException e) {
                problem = "it is not a valid view: " + e.getMessage();
            }
        }
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + System.currentTimeMillis());
        Files.move(file, aside);
        log.error("ignoring the CloudStack view {} because {}; moved it to {}", file, problem, aside.getFileName());
        return null;
    }

    @Override
    public synchronized void save(CloudStackVm view) throws IOException {
        Path target = fileOf(view.name());
        byte[] bytes = JSON.writeValueAsBytes(Document.of(view));
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, attributes("rwx------"));
        }
        AtomicFiles.write(target, bytes);
    }

    @Override
    public synchronized void delete(String name) throws IOException {
        AtomicFiles.delete(fileOf(name));
    }

    /** The name becomes a path: only a valid VM name, and the result must be a direct child of the directory. */
    private Path fileOf(String name) {
        if (name == null || !Vm.isValidName(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a valid VM name");
        }
        Path file = dir.resolve(name + SUFFIX).normalize();
        if (!dir.equals(file.getParent())) {
            throw new IllegalArgumentException("'" + name + "' is not a valid VM name");
        }
        return file;
    }

    private FileAttribute<?>[] attributes(String permissions) {
        return AtomicFiles.permissions(dir, permissions);
    }
}
