package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sgagent.testbed.ProbeResult;
import io.sgagent.testbed.TcpLoad;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-VM conntrack quotas with real connections (issue 12). VM {@code f} (tracked: ssh open from anywhere, egress
 * open) has a quota of {@value #LIMIT}; it floods new connections to a remote server while its neighbour {@code n}
 * (no quota) keeps opening its own. The flood stops at the quota, refused with a reset (f is an anti-spoofed VM of
 * this host); connections towards f count against the same quota and are dropped silently (the sender is outside).
 * Nothing here changes nf_conntrack_max: the quota itself keeps the table from growing.
 */
class ConntrackQuotaIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgcq");
    static final int LIMIT = 20;
    static final int FLOOD = 3 * LIMIT;
    static final int PORT = 8080;
    static final Duration CONNECT = Duration.ofMillis(700);

    static Testbed tb;
    static Vm f;
    static Vm n;
    static Vm remote;
    static String state;
    static RunningAgent agent;
    static long seq = 1;

    @BeforeAll
    static void start() throws Exception {
        tb = TB.get();
        f = tb.addVm("f", "vnet1", "02:00:00:00:0c:01", List.of("10.99.12.10"), List.of("fd99::12:10"));
        n = tb.addVm("n", "vnet2", "02:00:00:00:0c:02", List.of("10.99.12.20"), List.of("fd99::12:20"));
        remote = tb.remote();
        remote.serveTcp(PORT);
        f.serveTcp(22);
        Path stateDir = Files.createTempDirectory("sgagent-quota");
        state = "sgagent.state-dir=" + stateDir;
        agent = startAgent();
        agent.putVm("n", VmBody.of(n, 1).ingress(tcp(22, 22, "0.0.0.0/0", "::/0"))).expect(200);
        putF(LIMIT);
    }

    static RunningAgent startAgent() {
        return RunningAgent.startWith(tb.hvNamespace(), state, "sgagent.reconcile.drift-interval=1s",
                "sgagent.conntrack.guard-interval=1s");
    }

    static void putF(Integer limit) {
        agent.putVm("f", VmBody.of(f, seq++).ingress(tcp(22, 22, "0.0.0.0/0", "::/0")).conntrackLimit(limit))
                .expect(200);
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    @BeforeEach
    @AfterEach
    void emptyTable() {
        tb.conntrackFlush();
    }

    @Test
    void aFloodingVmStopsAtItsQuotaWhileItsNeighbourKeepsConnecting() {
        long before = tb.conntrackCount();
        try (TcpLoad.Held flood = TcpLoad.hold(f, remote, remote.ipv4(), PORT, FLOOD, CONNECT)) {
            System.out.println("[quota] flood: opened " + flood.opened() + ", then " + flood.failure()
                    + "; entries " + tb.conntrackCount() + " (before " + before + ")");
            assertThat(flood.opened()).as("connections f got").isEqualTo(LIMIT);
            assertThat(flood.stoppedByFailure()).isTrue();
            assertThat(flood.failure()).as("refused with a reset towards a VM of this host")
                    .contains("ECONNREFUSED");

            TcpLoad.Burst neighbour = TcpLoad.connectMany(n, remote, remote.ipv4(), PORT, 2 * LIMIT, CONNECT);
            assertThat(neighbour.succeeded()).as("neighbour (%s)", neighbour.failures()).isEqualTo(2 * LIMIT);
            // Connections towards f share the counter; the sender is outside, so it is dropped, not answered.
            assertThat(remote.tcpProbe(f, f.ipv4(), 22)).isEqualTo(ProbeResult.TIMEOUT);
            // The quota is per family: IPv6 has its own.
            assertThat(f.tcpConnect(remote, remote.ipv6(), PORT)).as("IPv6 of f").isTrue();
            assertThat(flood.alive()).as("f's established connections keep working").isTrue();
            assertThat(tb.conntrackEntries().stream().filter(l -> l.contains("src=" + f.ipv4() + " ")).count())
                    .as("f's IPv4 entries in the table").isLessThanOrEqualTo(LIMIT + 1);

            await().atMost(Duration.ofSeconds(12)).untilAsserted(() -> {
                String body = agent.get("/api/v1/vms/f").expect(200).body();
                assertThat(number(body, "limit")).isEqualTo(LIMIT);
                assertThat(number(body, "current")).isGreaterThanOrEqualTo(LIMIT);
                assertThat(number(body, "refused")).isGreaterThanOrEqualTo(2);
                String scrape = agent.get("/actuator/prometheus").expect(200).body();
                assertThat(metric(scrape, "sgagent_vm_conntrack_refused_total{vm=\"f\"}")).isGreaterThanOrEqualTo(2);
                assertThat(metric(scrape, "sgagent_vm_conntrack_entries{vm=\"f\"}")).isGreaterThanOrEqualTo(LIMIT);
                assertThat(scrape).contains("sgagent_conntrack_buckets ").contains("sgagent_conntrack_time_to_full_seconds ");
            });
            System.out.println("[quota] GET /api/v1/vms/f conntrack: " + agent.get("/api/v1/vms/f").body()
                    .replaceAll(".*(\"conntrack\":\\{[^}]*}).*", "$1"));
        }
        // Closed (reset) connections leave the count, so f can open new ones again.
        tb.conntrackFlush();
        assertThat(f.tcpConnect(remote, remote.ipv4(), PORT)).isTrue();
    }

    @Test
    void removingTheQuotaLetsTheFloodThroughAndRestoringItStopsItAgain() {
        try {
            putF(0);
            try (TcpLoad.Held flood = TcpLoad.hold(f, remote, remote.ipv4(), PORT, FLOOD, CONNECT)) {
                assertThat(flood.opened()).as("without a quota").isEqualTo(FLOOD);
            }
        } finally {
            putF(LIMIT);
        }
        tb.conntrackFlush();
        try (TcpLoad.Held flood = TcpLoad.hold(f, remote, remote.ipv4(), PORT, FLOOD, CONNECT)) {
            assertThat(flood.opened()).as("with the quota back").isEqualTo(LIMIT);
        }
    }

    @Test
    void driftRepairRestoresAFlushedQuotaChain() throws InterruptedException {
        double repairs = metric(agent.get("/actuator/prometheus").expect(200).body(),
                "sgagent_drift_repairs_total{object=\"chain\"}");
        Thread.sleep(2500);
        assertThat(metric(agent.get("/actuator/prometheus").expect(200).body(),
                "sgagent_drift_repairs_total{object=\"chain\"}"))
                .as("quota chains read back exactly as written: no repair (that would also reset refusals)")
                .isEqualTo(repairs);
        // Drift compares hashes now; the kernel must still list our quota rules exactly as we render them.
        String rendered = agent.get("/api/v1/vms/f/ruleset").expect(200).body();
        List<String> listed = tb.execHv("iptables-save", "-t", "filter").lines()
                .filter(l -> l.startsWith("-A sga-q-f ") || l.startsWith("-A sga-a-f ") || l.startsWith("-A sga-o-f "))
                .toList();
        assertThat(listed).hasSize(5);
        assertThat(rendered.lines().toList()).containsAll(listed);
        tb.execHv("iptables", "-F", "sga-q-f");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(tb.execHv("iptables", "-S", "sga-q-f")).contains("--connlimit-above " + LIMIT));
        try (TcpLoad.Held flood = TcpLoad.hold(f, remote, remote.ipv4(), PORT, FLOOD, CONNECT)) {
            assertThat(flood.opened()).isEqualTo(LIMIT);
        }
    }

    @Test
    void theQuotaSurvivesARestartOfTheAgent() {
        agent.close();
        agent = startAgent();
        try (TcpLoad.Held flood = TcpLoad.hold(f, remote, remote.ipv4(), PORT, FLOOD, CONNECT)) {
            assertThat(flood.opened()).isEqualTo(LIMIT);
        }
        assertThat(number(agent.get("/api/v1/vms/f").expect(200).body(), "limit")).isEqualTo(LIMIT);
    }

    private static long number(String json, String key) {
        Matcher m = Pattern.compile("\"conntrack\":\\{[^}]*\"" + key + "\":(\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no conntrack." + key + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    private static double metric(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip()))
                .orElseThrow(() -> new AssertionError("no " + series + " in the scrape"));
    }
}
