package io.sgagent.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that need a real kernel: root, network namespaces, br_netfilter and the tools {@code ip},
 * {@code iptables}, {@code ip6tables}, {@code ipset}, {@code conntrack}, {@code python3}.
 *
 * <p>If something is missing the test is <em>aborted</em> (reported as skipped) — unless the environment variable
 * {@code SGAGENT_REQUIRE_KERNEL=1} is set (CI), in which case it fails with the reason.
 */
public final class KernelSupport {

    public static final String REQUIRE_ENV = "SGAGENT_REQUIRE_KERNEL";
    static final List<String> TOOLS = List.of("ip", "iptables", "ip6tables", "ipset", "conntrack", "python3");

    private static volatile List<String> problems;

    private KernelSupport() {
    }

    /** Aborts (or with {@code SGAGENT_REQUIRE_KERNEL=1} fails) the current test if kernel tests cannot run. */
    public static void assumeKernel() {
        List<String> p = problems();
        if (p.isEmpty()) {
            return;
        }
        String reason = String.join("; ", p);
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            throw new IllegalStateException("kernel tests required (" + REQUIRE_ENV + "=1) but: " + reason);
        }
        Assumptions.assumeTrue(false, "kernel tests skipped: " + reason + " (set " + REQUIRE_ENV
                + "=1 to turn this into a failure)");
    }

    /** {@code true} iff {@link #assumeKernel()} would pass. */
    public static boolean available() {
        return problems().isEmpty();
    }

    /** The reasons why kernel tests cannot run; empty if they can. Computed once per JVM. */
    public static List<String> problems() {
        List<String> p = problems;
        if (p == null) {
            synchronized (KernelSupport.class) {
                p = problems;
                if (p == null) {
                    p = List.copyOf(detect());
                    problems = p;
                }
            }
        }
        return p;
    }

    private static List<String> detect() {
        List<String> out = new ArrayList<>();
        if (!"Linux".equalsIgnoreCase(System.getProperty("os.name"))) {
            out.add("not Linux (" + System.getProperty("os.name") + ")");
            return out;
        }
        if (!isRoot()) {
            out.add("not root");
        }
        List<String> missing = TOOLS.stream().filter(t -> Cmd.which(t).isEmpty()).toList();
        if (!missing.isEmpty()) {
            out.add("missing tools " + String.join(", ", missing));
        }
        if (!Files.exists(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables"))) {
            out.add("br_netfilter not available (modprobe br_netfilter)");
        }
        if (!Files.exists(Path.of("/proc/net/if_inet6"))) {
            out.add("IPv6 disabled in the kernel");
        }
        if (out.isEmpty()) {
            // root without CAP_SYS_ADMIN/CAP_NET_ADMIN (e.g. unprivileged container) cannot create namespaces
            String ns = "sgagentchk" + ProcessHandle.current().pid();
            ExecResult r = Cmd.run(Duration.ofSeconds(10), "ip", "netns", "add", ns);
            if (r.ok()) {
                Cmd.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
            } else {
                out.add("cannot create network namespaces: " + r.stderr().strip());
            }
        }
        return out;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
