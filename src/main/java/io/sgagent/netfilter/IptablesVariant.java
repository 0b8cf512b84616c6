package io.sgagent.netfilter;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which backend the {@code iptables} and {@code ip6tables} commands program: nf_tables ("nft") or the legacy
 * x_tables interface. Both work, but not mixed: the kernel evaluates both sets of hooks, so rules we write through
 * one backend and rules another tool (libvirt, CloudStack's scripts, kube-proxy) wrote through the other both apply,
 * and neither {@code iptables-save} shows the other's. A host whose iptables is nft and whose ip6tables is legacy
 * (a half-done {@code update-alternatives}) would split our own ruleset across the two.
 *
 * <p>{@link #detect} asks the binaries ({@code iptables -V} prints {@code iptables v1.8.9 (nf_tables)} or
 * {@code (legacy)}) and, on nft, whether the legacy tables of the managed namespace already hold rules (another
 * tool still writing legacy: a warning, not a refusal, because those rules may be stale leftovers).
 *
 * <p>Immutable and thread-safe.
 *
 * @param iptables  the IPv4 backend
 * @param ip6tables the IPv6 backend
 * @param version   iptables' version, e.g. {@code 1.8.9} ("unknown" if it did not say)
 * @param warnings  findings worth a log line that do not stop the agent
 */
public record IptablesVariant(Backend iptables, Backend ip6tables, String version, List<String> warnings) {
    private static final Pattern VERSION = Pattern.compile("v(\\S+)\\s+\\((nf_tables|legacy)\\)");

    /** The kernel interface an xtables command speaks. */
    public enum Backend {
        NFT("nf_tables"), LEGACY("legacy");

        private final String label;

        Backend(String label) {
            this.label = label;
        }

        /** As {@code iptables -V} prints it. */
        public String label() {
            return label;
        }
    }

    public IptablesVariant {
        warnings = List.copyOf(warnings);
    }

    public boolean mixed() {
        return iptables != ip6tables;
    }

    /** What an operator needs to read when the agent refuses to start. */
    public String mixedMessage() {
        return "iptables uses the " + iptables.label() + " backend but ip6tables uses " + ip6tables.label()
                + ": sg-agent programs both families and refuses to split its rules across two backends. "
                + "Point both at the same variant (Debian/Ubuntu: update-alternatives --set iptables "
                + "/usr/sbin/iptables-nft and update-alternatives --set ip6tables /usr/sbin/ip6tables-nft, or both "
                + "-legacy) and restart.";
    }

    /**
     * Runs {@code iptables -V} and {@code ip6tables -V} (and, on nft, {@code iptables-legacy-save} and
     * {@code ip6tables-legacy-save}) through {@code runner}.
     *
     * @throws IllegalStateException when a command fails or prints no recognisable backend
     */
    public static IptablesVariant detect(ProcessRunner runner) {
        ProcessResult v4 = runner.run(List.of("iptables", "-V"), null);
        ProcessResult v6 = runner.run(List.of("ip6tables", "-V"), null);
        Backend b4 = parse(v4);
        Backend b6 = parse(v6);
        Matcher m = VERSION.matcher(v4.stdout());
        String version = m.find() ? m.group(1) : "unknown";
        List<String> warnings = new ArrayList<>();
        if (b4 == Backend.NFT && b6 == Backend.NFT) {
            for (String save : List.of("iptables-legacy-save", "ip6tables-legacy-save")) {
                ProcessResult legacy = runner.run(List.of(save), null);
                // Absent legacy tools (exit 127) or a kernel without x_tables tables: nothing to warn about.
                if (legacy.ok() && holdsRules(legacy.stdout())) {
                    warnings.add(save + " shows rules in the legacy tables while sg-agent programs nf_tables: "
                            + "another tool still writes legacy rules, and the kernel applies both sets. "
                            + "Move that tool to the nft variant, or remove stale legacy rules.");
                }
            }
        }
        return new IptablesVariant(b4, b6, version, warnings);
    }

    static Backend parse(ProcessResult result) {
        String command = String.join(" ", result.argv());
        if (!result.ok()) {
            throw new IllegalStateException("cannot tell the iptables variant: " + result.describe());
        }
        // iptables 1.8 prints the version on stdout; some builds use stderr.
        Matcher m = VERSION.matcher(result.stdout() + "\n" + result.stderr());
        if (!m.find()) {
            throw new IllegalStateException("cannot tell the iptables variant: " + command + " printed '"
                    + (result.stdout() + result.stderr()).strip()
                    + "', expected '(nf_tables)' or '(legacy)' (iptables 1.8 or later is required)");
        }
        return "legacy".equals(m.group(2)) ? Backend.LEGACY : Backend.NFT;
    }

    /** A rule line ("-A ..."), not only the table headers and default policies an empty table prints. */
    static boolean holdsRules(String save) {
        return save.lines().anyMatch(line -> line.startsWith("-A "));
    }
}
