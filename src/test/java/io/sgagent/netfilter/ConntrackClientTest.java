package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sgagent.ruleset.ConntrackEntry;
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

    /** One VM's addresses: each address and direction is one delete by the tool's own filter, in one batch. */
    @Test
    void aFewAddressesAreDeletedDirectlyInOneBatch() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true)).flush(java.util.List.of("10.0.0.1", "2001:db8::1"));

        assertThat(calls).containsExactly("conntrack -R /dev/stdin\n"
                + "-D -f ipv4 -s 10.0.0.1\n-D -f ipv4 -d 10.0.0.1\n"
                + "-D -f ipv6 -s 2001:db8::1\n-D -f ipv6 -d 2001:db8::1\n");
    }

    /**
     * Many addresses (a full sync removing VMs): the table is listed once and only the addresses and directions
     * that have entries are deleted: 10.0.0.1 as source and destination, 2001:db8::1 as source; not 10.0.0.1's
     * reply-direction appearance, not 192.0.2.44 (no entry at all).
     */
    @Test
    void manyAddressesAreListedOnceAndOnlyThoseWithEntriesDeleted() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true))
                .flush(java.util.List.of("10.0.0.1", "2001:db8::1", "192.0.2.44"));

        assertThat(calls).containsExactly("conntrack -L", "conntrack -R /dev/stdin\n"
                + "-D -f ipv4 -s 10.0.0.1\n-D -f ipv4 -d 10.0.0.1\n-D -f ipv6 -s 2001:db8::1\n");
    }

    @Test
    void manyAddressesWithoutEntriesDeleteNothing() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true))
                .flush(java.util.List.of("192.0.2.44", "192.0.2.45", "192.0.2.46"));

        assertThat(calls).containsExactly("conntrack -L");
    }

    /** If the table cannot be listed, every address and direction is deleted, as for a few addresses. */
    @Test
    void whenTheListingFailsEveryAddressIsDeleted() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, false))
                .flush(java.util.List.of("10.0.0.1", "192.0.2.44", "192.0.2.45"));

        assertThat(calls).containsExactly("conntrack -L", "conntrack -R /dev/stdin\n"
                + "-D -f ipv4 -s 10.0.0.1\n-D -f ipv4 -d 10.0.0.1\n"
                + "-D -f ipv4 -s 192.0.2.44\n-D -f ipv4 -d 192.0.2.44\n"
                + "-D -f ipv4 -s 192.0.2.45\n-D -f ipv4 -d 192.0.2.45\n");
    }

    /** The tool prints "::a.b.c.d" for such addresses, so the listing cannot vouch for them: always deleted. */
    @Test
    void addressesTheToolPrintsInMixedNotationAreAlwaysDeleted() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, true, true))
                .flush(java.util.List.of("::102:304", "192.0.2.44", "192.0.2.45"));

        assertThat(calls).containsExactly("conntrack -L",
                "conntrack -R /dev/stdin\n-D -f ipv6 -s ::102:304\n-D -f ipv6 -d ::102:304\n");
    }

    /** A conntrack older than 1.4.6 has no -R: every delete then runs alone, and still happens. */
    @Test
    void deletesFallBackToOneProcessEachWhenTheToolHasNoBatchMode() {
        java.util.List<String> calls = new java.util.ArrayList<>();

        new ConntrackClient(recording(calls, false, true)).flush(java.util.List.of("10.0.0.1"));

        assertThat(calls).containsExactly("conntrack -R /dev/stdin\n-D -f ipv4 -s 10.0.0.1\n-D -f ipv4 -d 10.0.0.1\n",
                "conntrack -D -f ipv4 -s 10.0.0.1", "conntrack -D -f ipv4 -d 10.0.0.1");
    }

    /** A cut flow is deleted by its tuple and by the mark it was listed with, so the kernel filters the dump. */
    @Test
    void markedDeletesNameTheirMark() {
        java.util.List<String> calls = new java.util.ArrayList<>();
        ConntrackEntry ssh = ConntrackEntry.parse(LISTING.lines().findFirst().orElseThrow());

        new ConntrackClient(recording(calls, true, true))
                .deleteMarked(Map.of(new ConntrackClient.Mark(0x64, 0x7f), java.util.List.of(ssh)));

        assertThat(calls).containsExactly(
                "conntrack -D -f ipv4 -s 10.0.0.1 -d 10.0.0.9 -p tcp --sport 40000 --dport 22 -m 0x64/0x7f");
    }

    /** One listing of the whole table, kept: the entries with a bit of the mask set in their mark (decimal). */
    @Test
    void aWholeTableListingKeepsTheEntriesMarkedInTheMask() {
        String marked = "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.9 sport=1 dport=22 src=10.0.0.9"
                + " dst=10.0.0.1 sport=22 dport=1 [ASSURED] mark=100 use=1";
        String outside = marked.replace("sport=1 ", "sport=2 ").replace("mark=100", "mark=65536");
        CommandRunner tool = (argv, stdin) -> new ProcessResult(argv, 0,
                LISTING + marked + "\n" + outside + "\n", "");

        java.util.List<ConntrackClient.MarkedEntry> entries = new ConntrackClient(tool).entriesWithMarkIn(0x3fff);

        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.mark()).isEqualTo(100);
            assertThat(e.entry().sourcePort()).isEqualTo(1);
        });
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
