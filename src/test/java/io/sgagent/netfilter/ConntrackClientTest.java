package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConntrackClientTest {
    /** conntrack-tools 1.4.7 on a 4-CPU host (the tool pads "cpu=N" and separates it with a tab). */
    private static final String FOUR_CPUS = """
            cpu=0   \tfound=12 invalid=3 insert=0 insert_failed=1 drop=2 early_drop=0 error=5 search_restart=7 clash_resolve=1 chaintoolong=0 
            cpu=1   \tfound=40 invalid=15 insert=0 insert_failed=0 drop=0 early_drop=4 error=0 search_restart=0 clash_resolve=2 chaintoolong=0 
            cpu=2   \tfound=0 invalid=0 insert=0 insert_failed=10 drop=20 early_drop=30 error=0 search_restart=1 clash_resolve=0 chaintoolong=3 
            cpu=3   \tfound=1 invalid=1 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 
            """;

    @Test
    void sumsTheListedStatsOverAllCpus() {
        Map<String, Long> sums = ConntrackClient.sumStats(FOUR_CPUS);

        assertThat(sums).containsOnly(
                entry("insert_failed", 11L),
                entry("drop", 22L),
                entry("early_drop", 34L),
                entry("invalid", 19L),
                entry("search_restart", 8L),
                entry("clash_resolve", 3L),
                entry("chaintoolong", 3L));
    }

    @Test
    void unlistedColumnsAreIgnored() {
        assertThat(ConntrackClient.sumStats(FOUR_CPUS)).doesNotContainKeys("cpu", "found", "insert", "error");
    }

    @Test
    void everyStatIsPresentEvenWhenTheToolPrintsNothing() {
        assertThat(ConntrackClient.sumStats("")).containsOnlyKeys(ConntrackClient.STATS)
                .allSatisfy((k, v) -> assertThat(v).isZero());
    }

    @Test
    void olderToolsWithExtraColumnsStillSum() {
        String old = """
                cpu=0   \tfound=0 invalid=1 ignore=77 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=2
                cpu=1   \tfound=0 invalid=2 ignore=33 insert=0 insert_failed=0 drop=1 early_drop=0 error=0 search_restart=0
                """;
        Map<String, Long> sums = ConntrackClient.sumStats(old);
        assertThat(sums).contains(entry("invalid", 3L), entry("drop", 1L), entry("search_restart", 2L),
                entry("chaintoolong", 0L));
        assertThat(sums).doesNotContainKey("ignore");
    }

    private static final String LISTING = """
            tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.9 sport=40000 dport=22 src=10.0.0.9 dst=10.0.0.1 \
            sport=22 dport=40000 [ASSURED] mark=0 use=1
            udp      17 29 src=10.0.0.7 dst=10.0.0.1 sport=5353 dport=53 src=10.0.0.1 dst=10.0.0.7 sport=53 \
            dport=5353 mark=0 use=1
            tcp      6 431999 ESTABLISHED src=10.0.0.7 dst=10.0.0.8 sport=40001 dport=80 src=10.0.0.1 dst=10.0.0.7 \
            sport=80 dport=40001 [ASSURED] mark=0 use=1
            icmpv6   58 29 src=2001:db8::1 dst=2001:db8::9 type=128 code=0 id=7 src=2001:db8::9 dst=2001:db8::1 \
            type=129 code=0 id=7 mark=0 use=1
            icmp     1 29 src=10.0.0.11 dst=10.0.0.9 type=8 code=0 id=7 src=10.0.0.9 dst=10.0.0.11 type=0 \
            code=0 id=7 mark=0 use=1
            """;

    /** A fake conntrack: lists {@link #LISTING} for -L, records every call with its input. */
    private static CommandRunner recording(java.util.List<String> calls, boolean batchMode, boolean listingWorks) {
        return new CommandRunner() {
            @Override
            public ProcessResult run(java.util.List<String> argv, String stdin) {
                calls.add(String.join(" ", argv) + (stdin == null ? "" : "\n" + stdin));
                if (argv.contains("-L")) {
                    return listingWorks ? new ProcessResult(argv, 0, LISTING, "")
                            : new ProcessResult(argv, 1, "", "conntrack: Operation not permitted");
                }
                return argv.contains("-R") && !batchMode
                        ? new ProcessResult(argv, 2, "", "conntrack: invalid option -- 'R'")
                        : new ProcessResult(argv, 0, "", "");
            }
        };
    }

    /**
     * An address flush lists the table once and deletes, by tuple and in one batch, exactly the entries whose
     * original source or destination is one of the addresses: not the entry that has it only in the reply
     * direction (a NATed flow of another host), not the entries of other addresses.
     */
    @Test
    void anAddressFlushListsTheTableOnceAndDeletesItsEntriesInOneBatch() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true)).flush(java.util.List.of("10.0.0.1", "2001:db8::1"));

        assertThat(calls).containsExactly("conntrack -L", "conntrack -R /dev/stdin\n"
                + "-D -f ipv4 -s 10.0.0.1 -d 10.0.0.9 -p tcp --sport 40000 --dport 22\n"
                + "-D -f ipv4 -s 10.0.0.7 -d 10.0.0.1 -p udp --sport 5353 --dport 53\n"
                + "-D -f ipv6 -s 2001:db8::1 -d 2001:db8::9 -p icmpv6 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 7\n");
    }

    @Test
    void anAddressWithoutEntriesDeletesNothing() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true)).flush(java.util.List.of("192.0.2.44"));

        assertThat(calls).containsExactly("conntrack -L");
    }

    /** If the table cannot be listed, each address is deleted by the tool's own filter, as before. */
    @Test
    void whenTheListingFailsTheDeletesGoByAddress() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, false)).flush(java.util.List.of("10.0.0.1"));

        assertThat(calls).containsExactly("conntrack -L",
                "conntrack -R /dev/stdin\n-D -f ipv4 -s 10.0.0.1\n-D -f ipv4 -d 10.0.0.1\n");
    }

    /** The tool prints "::a.b.c.d" for such addresses, so they cannot be found as text: by address instead. */
    @Test
    void addressesTheToolPrintsInMixedNotationGoByAddress() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true)).flush(java.util.List.of("::102:304"));

        assertThat(calls).containsExactly(
                "conntrack -R /dev/stdin\n-D -f ipv6 -s ::102:304\n-D -f ipv6 -d ::102:304\n");
    }

    /** A conntrack older than 1.4.6 has no -R: every delete then runs alone, and still happens. */
    @Test
    void deletesFallBackToOneProcessEachWhenTheToolHasNoBatchMode() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, false, true)).flush(java.util.List.of("10.0.0.1"));

        assertThat(calls).hasSize(4).startsWith("conntrack -L").contains(
                "conntrack -D -f ipv4 -s 10.0.0.1 -d 10.0.0.9 -p tcp --sport 40000 --dport 22",
                "conntrack -D -f ipv4 -s 10.0.0.7 -d 10.0.0.1 -p udp --sport 5353 --dport 53");
    }

    @Test
    void theFirstFieldOfAListingLineIsTheOriginalDirections() {
        String line = LISTING.lines().findFirst().orElseThrow();

        assertThat(ConntrackClient.firstValue(line, " src=")).isEqualTo("10.0.0.1");
        assertThat(ConntrackClient.firstValue(line, " dst=")).isEqualTo("10.0.0.9");
        assertThat(ConntrackClient.firstValue("conntrack v1.4.7: 0 flow entries", " src=")).isNull();
        assertThat(ConntrackClient.firstValue("udp 17 29 src=10.0.0.7", " src=")).isEqualTo("10.0.0.7");
    }
}
