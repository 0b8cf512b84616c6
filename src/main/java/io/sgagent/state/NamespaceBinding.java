package io.sgagent.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties a state directory to one network namespace <em>instance</em>. Desired state is only meaningful for
 * the namespace it was programmed into: if a named namespace was deleted and created again (a test run, a
 * sandbox restart), the old state describes VMs that no longer exist and is moved aside instead of being
 * adopted. The initial namespace has a fixed identity, so a production host keeps its state across reboots.
 *
 * <p>Identity is the inode of the namespace file ({@code /proc/self/ns/net} or {@code /run/netns/<name>}). The
 * kernel may hand a freed inode number to a new namespace, so for named namespaces the caller also checks
 * that the kernel still holds objects of ours (see {@link #discard}).
 */
public final class NamespaceBinding {
    private static final Logger log = LoggerFactory.getLogger(NamespaceBinding.class);
    private static final String ID_FILE = "namespace-id";

    private NamespaceBinding() {
    }

    /** The state directory of the namespace: {@code <stateDir>/host} or {@code <stateDir>/netns-<name>}. */
    public static Path directoryFor(Path stateDir, String netns) {
        if (netns.isBlank()) {
            return stateDir.resolve("host");
        }
        if (!netns.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("sgagent.netfilter.netns is not a valid namespace name: " + netns);
        }
        return stateDir.resolve("netns-" + netns);
    }

    /**
     * Records the namespace identity in {@code directory}; if a different identity was recorded, moves the
     * stored VMs aside first. Returns {@code directory}.
     */
    public static Path bind(Path directory, String netns) throws IOException {
        String current = namespaceId(netns);
        Files.createDirectories(directory);
        Path idFile = directory.resolve(ID_FILE);
        if (Files.exists(idFile)) {
            String recorded = Files.readString(idFile, StandardCharsets.UTF_8).strip();
            if (!recorded.equals(current) && Files.exists(directory.resolve("vms"))) {
                Path aside = directory.resolve("vms.stale-" + System.currentTimeMillis());
                Files.move(directory.resolve("vms"), aside, StandardCopyOption.ATOMIC_MOVE);
                log.warn("stored state in {} belongs to an earlier instance of the namespace ({} != {}); moved to {}",
                        directory, recorded, current, aside);
            }
        }
        Path temp = directory.resolve(ID_FILE + ".tmp");
        Files.writeString(temp, current + "\n", StandardCharsets.UTF_8);
        Files.move(temp, idFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return directory;
    }

    /**
     * Moves the stored VMs of {@code directory} aside (kept for inspection, never deleted). Used when a named
     * namespace holds none of our kernel objects: it was created anew since the state was written.
     */
    public static void discard(Path directory, String reason) throws IOException {
        Path vms = directory.resolve("vms");
        if (Files.isDirectory(vms)) {
            try (var entries = Files.list(vms)) {
                if (entries.findAny().isEmpty()) {
                    return;
                }
            }
            Path aside = directory.resolve("vms.stale-" + System.currentTimeMillis());
            Files.move(vms, aside, StandardCopyOption.ATOMIC_MOVE);
            log.warn("stored state in {} not adopted ({}); moved to {}", directory, reason, aside);
        }
    }

    /**
     * True when the agent runs in the namespace of PID 1 and manages its own: the host's initial namespace
     * (or a container's, whose PID 1 shares it), where an empty kernel after a restart means a reboot and the
     * stored state must be programmed again.
     */
    public static boolean managesPidOneNamespace(String netns) {
        if (!netns.isBlank()) {
            return false;
        }
        try {
            return Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino")
                    .equals(Files.getAttribute(Path.of("/proc/1/ns/net"), "unix:ino"));
        } catch (IOException | SecurityException e) {
            return true; // cannot tell: keep the state (never drop acknowledged rules on a guess)
        }
    }

    static String namespaceId(String netns) throws IOException {
        Path file = netns.isBlank() ? Path.of("/proc/self/ns/net") : Path.of("/run/netns", netns);
        if (!Files.exists(file)) {
            return "absent";
        }
        return String.valueOf(Files.getAttribute(file, "unix:ino"));
    }
}
