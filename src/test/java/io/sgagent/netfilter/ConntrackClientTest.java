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

    /** A conntrack older than 1.4.6 has no -R: every delete then runs alone, and still happens. */
    @Test
    void deletesFallBackToOneProcessEachWhenTheToolHasNoBatchMode() {
        java.util.List<java.util.List<String>> calls = new java.util.ArrayList<>();
        CommandRunner oldTool = (argv, stdin) -> {
            calls.add(argv);
            return argv.contains("-R") ? new ProcessResult(argv, 2, "", "conntrack: invalid option -- 'R'")
                    : new ProcessResult(argv, 0, "", "");
        };

        new ConntrackClient(oldTool).flush(java.util.List.of("10.0.0.1", "2001:db8::1"));

        assertThat(calls).containsExactly(
                java.util.List.of("conntrack", "-R", "/dev/stdin"),
                java.util.List.of("conntrack", "-D", "-f", "ipv4", "-s", "10.0.0.1"),
                java.util.List.of("conntrack", "-D", "-f", "ipv4", "-d", "10.0.0.1"),
                java.util.List.of("conntrack", "-D", "-f", "ipv6", "-s", "2001:db8::1"),
                java.util.List.of("conntrack", "-D", "-f", "ipv6", "-d", "2001:db8::1"));
    }

    @Test
    void deletesGoToTheToolAsOneBatch() {
        java.util.List<String> scripts = new java.util.ArrayList<>();
        CommandRunner tool = (argv, stdin) -> {
            scripts.add(argv + "\n" + stdin);
            return new ProcessResult(argv, 0, "", "");
        };

        new ConntrackClient(tool).flush(java.util.List.of("10.0.0.1"));

        assertThat(scripts).containsExactly("[conntrack, -R, /dev/stdin]\n"
                + "-D -f ipv4 -s 10.0.0.1\n-D -f ipv4 -d 10.0.0.1\n");
    }
}
