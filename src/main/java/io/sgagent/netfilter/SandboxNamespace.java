package io.sgagent.netfilter;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox hypervisor: a network namespace with a Linux bridge, created at start and removed at shutdown,
 * so that a trial run of the agent programs it instead of the host's own firewall.
 *
 * <p>Thread-safe: create and remove are called once each, from Spring's lifecycle thread.
 */
public class SandboxNamespace {
    private static final Logger log = LoggerFactory.getLogger(SandboxNamespace.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String name;

    public SandboxNamespace(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Removes a leftover of an earlier run, then creates the namespace and its bridge {@code br0}. */
    public void create() {
        remove();
        run(List.of("ip", "netns", "add", name));
        run(List.of("ip", "-n", name, "link", "set", "lo", "up"));
        run(List.of("ip", "-n", name, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"));
        run(List.of("ip", "-n", name, "link", "set", "br0", "up"));
        log.info("sandbox hypervisor namespace '{}' created (bridge br0); the host's own firewall is not touched",
                name);
    }

    public void remove() {
        ProcessResult result = ProcessRunner.runRaw(List.of("ip", "netns", "del", name), null, TIMEOUT);
        if (result.ok()) {
            log.info("sandbox namespace '{}' removed", name);
        }
    }

    private static void run(List<String> argv) {
        ProcessResult result = ProcessRunner.runRaw(argv, null, TIMEOUT);
        if (!result.ok()) {
            throw new IllegalStateException("sandbox setup failed (run as root with iproute2 installed): "
                    + result.describe());
        }
    }
}
