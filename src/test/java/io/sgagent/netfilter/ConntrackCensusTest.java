package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The census counts entries per address from the listing's lines (the kernel side is ConntrackQuotaIT). */
class ConntrackCensusTest {
    /** conntrack-tools 1.4.7 {@code -L -f ipv4} lines: original tuple first, then the reply tuple. */
    private static final String IPV4 = """
            tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=22 src=10.0.0.2 dst=10.0.0.1 sport=22 dport=40000 [ASSURED] mark=0 use=1
            tcp      6 117 SYN_SENT src=10.0.0.3 dst=10.0.0.1 sport=40001 dport=80 [UNREPLIED] src=10.0.0.1 dst=10.0.0.3 sport=80 dport=40001 mark=0 use=1
            icmp     1 29 src=10.0.0.1 dst=10.0.0.1 type=8 code=0 id=7 src=10.0.0.1 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1
            udp      17 29 src=198.18.0.1 dst=198.19.0.1 sport=53 dport=53 src=10.0.0.2 dst=198.18.0.1 sport=53 dport=53 mark=0 use=1
            """;
    private static final String IPV6 = """
            udp      17 29 src=fd00::1 dst=fd00::2 sport=53 dport=53 [UNREPLIED] src=fd00::2 dst=fd00::1 sport=53 dport=53 mark=0 use=1
            """;

    @Test
    void countsTheOriginalSourceAndDestinationOfEveryEntryOfBothFamilies() {
        List<List<String>> calls = new ArrayList<>();
        CommandRunner kernel = (argv, stdin) -> {
            calls.add(argv);
            String out = argv.contains("ipv4") ? IPV4 : IPV6;
            return new ProcessResult(argv, 0, out, "conntrack v1.4.7 (conntrack-tools): flow entries have been shown.\n");
        };

        ConntrackCensus.Census census = new ConntrackCensus(kernel)
                .count(Set.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "fd00::2", "10.9.9.9"));

        assertThat(calls).containsExactly(List.of("conntrack", "-L", "-f", "ipv4"),
                List.of("conntrack", "-L", "-f", "ipv6"));
        assertThat(census.entries()).isEqualTo(5);
        // 10.0.0.1: as source, as destination, and once (not twice) for the entry to itself;
        // 10.0.0.2 only appears in a reply tuple of the 198.18 entry, which does not count
        assertThat(census.perAddress()).containsOnly(entry("10.0.0.1", 3L), entry("10.0.0.2", 1L),
                entry("10.0.0.3", 1L), entry("fd00::2", 1L));
    }

    @Test
    void linesThatAreNoEntriesAreNotCounted() {
        CommandRunner kernel = (argv, stdin) -> new ProcessResult(argv, 0, "\nsomething else\n", "");

        ConntrackCensus.Census census = new ConntrackCensus(kernel).count(Set.of("10.0.0.1"));

        assertThat(census.entries()).isZero();
        assertThat(census.perAddress()).isEmpty();
    }
}
