package io.sgagent.netfilter;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code net.bridge.bridge-nf-call-ip(6)tables} sysctls: bridged packets reach iptables only with them on
 * (B8). They are per network namespace.
 *
 * <p>Thread-safe: stateless.
 */
final class BridgeNetfilter {
    private static final Logger log = LoggerFactory.getLogger(BridgeNetfilter.class);
    static final List<String> SYSCTLS = List.of(
            "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables");
    private final CommandRunner runner;

    BridgeNetfilter(CommandRunner runner) {
        this.runner = runner;
    }

    void ensure() throws KernelApplyException {
        ProcessResult both = runner.run(List.of("sysctl", "-n", SYSCTLS.get(0), SYSCTLS.get(1)), null);
        if (both.ok() && both.stdout().strip().equals("1\n1")) {
            return; // the common case costs one process
        }
        for (String key : SYSCTLS) {
            if (isOn(key)) {
                continue;
            }
            ProcessResult set = runner.run(List.of("sysctl", "-q", "-w", key + "=1"), null);
            if (!set.ok()) {
                throw new KernelApplyException("cannot enable " + key + " (is br_netfilter available?): "
                        + set.describe());
            }
            log.info("set {}=1", key);
        }
    }

    void drift(List<String> drifted) {
        for (String key : SYSCTLS) {
            if (!isOn(key)) {
                drifted.add("sysctl " + key);
            }
        }
    }

    private boolean isOn(String key) {
        ProcessResult current = runner.run(List.of("sysctl", "-n", key), null);
        return current.ok() && current.stdout().strip().equals("1");
    }
}
