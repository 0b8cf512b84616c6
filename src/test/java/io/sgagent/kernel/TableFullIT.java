package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.ConntrackLimit;
import io.sgagent.testbed.ProbeResult;
import io.sgagent.testbed.TcpLoad;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Why the project exists: with the conntrack table full, a tracked VM loses new connections, an untracked VM
 * (allow-all both ways, in the notrack set) keeps accepting them, the agent keeps answering, and its metrics show
 * the kernel dropping packets.
 *
 * <p>The table is made full by lowering the host-wide {@code nf_conntrack_max} (from the initial namespace, see
 * {@link ConntrackLimit}: restored in a {@code finally}, by a shutdown hook, and by a watchdog process if this JVM
 * is killed) to the highest per-namespace count on the host plus {@value #HEADROOM}, then filling the hypervisor
 * namespace with held-open TCP connections to the tracked VM (established and assured, so the kernel cannot
 * early-drop them). The kernel checks each namespace's own count against the global limit (measured: a namespace
 * over the limit does not stop another one below it), so for these few seconds every namespace on the host is
 * capped at that value; the limit is chosen so that none is over it when the test starts.
 */
class TableFullIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgtf");

    static final int HEADROOM = 40;
    static final int BURST = 150;
    static final int PORT = 22;

    static RunningAgent agent;
    static Testbed tb;
    static Vm u;
    static Vm t;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        u = tb.addVm("u", "vnet1", "02:00:00:00:08:01", List.of("10.99.8.10"), List.of("fd99::8:10"));
        t = tb.addVm("t", "vnet2", "02:00:00:00:08:02", List.of("10.99.8.20"), List.of("fd99::8:20"));
        remote = tb.remote();
        agent = RunningAgent.start(tb.hvNamespace());
        agent.putVm("u", VmBody.of(u, 1).ingress(all("0.0.0.0/0", "::/0"))).expect(200);
        agent.putVm("t", VmBody.of(t, 1).ingress(tcp(PORT, PORT, "0.0.0.0/0", "::/0"))).expect(200);
        u.serveTcp(PORT);
        t.serveTcp(PORT);
    }

    @AfterAll
    static void stop() {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            if (tb != null) {
                tb.conntrackFlush();
            }
        }
    }

    @Test
    void withTheTableFullOnlyTheUntrackedVmAcceptsNewConnections() {
        assertThat(agent.get("/api/v1/vms/u").expect(200).body()).contains("\"ipv4\":true");
        assertThat(remote.tcpConnect(t, t.ipv4(), PORT)).as("tracked VM reachable before").isTrue();
        assertThat(remote.tcpConnect(u, u.ipv4(), PORT)).as("untracked VM reachable before").isTrue();
        tb.conntrackFlush();

        Map<String, Long> baseline = kernelCounters(scrape());
        Map<String, Long> counts = ConntrackLimit.namespaceCounts();
        long highest = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long limit = highest + HEADROOM;
        System.out.println("[table-full] conntrack entries per namespace before: " + counts.entrySet().stream()
                .map(e -> (e.getKey().isEmpty() ? "<initial>" : e.getKey()) + "=" + e.getValue())
                .collect(Collectors.joining(", ")) + "; nf_conntrack_max " + ConntrackLimit.readMax()
                + " -> " + limit);
        assertThat(limit).as("some namespace holds too many entries for this test").isLessThan(2000);

        long started = System.nanoTime();
        String scrapeDuringFull;
        try (ConntrackLimit lowered = ConntrackLimit.lower(limit, Duration.ofSeconds(60))) {
            try (TcpLoad.Held filler = TcpLoad.hold(remote, t, t.ipv4(), PORT, (int) limit + 100,
                    Duration.ofMillis(700))) {
                long entries = tb.conntrackCount();
                System.out.println("[table-full] held " + filler.opened() + " connections to t (then: "
                        + filler.failure() + "); hypervisor namespace entries " + entries + " / limit " + limit);
                assertThat(filler.stoppedByFailure()).as("new tracked connections failed at some point").isTrue();
                assertThat(entries).as("the hypervisor namespace is at the limit").isGreaterThanOrEqualTo(limit - 2);

                assertThat(remote.tcpProbe(t, t.ipv4(), PORT)).as("new connection to the tracked VM")
                        .isEqualTo(ProbeResult.TIMEOUT);
                TcpLoad.Burst burst = TcpLoad.connectMany(remote, u, u.ipv4(), PORT, BURST, Duration.ofSeconds(1));
                TcpLoad.Burst burst6 = TcpLoad.connectMany(remote, u, u.ipv6(), PORT, BURST / 3,
                        Duration.ofSeconds(1));
                System.out.println("[table-full] untracked VM: " + burst + " / v6 " + burst6);
                assertThat(burst.succeeded()).as("new connections to the untracked VM (%s)", burst.failures())
                        .isEqualTo(BURST);
                assertThat(burst6.succeeded()).as("v6 (%s)", burst6.failures()).isEqualTo(BURST / 3);
                // The burst needed no conntrack entry at all. (A second tracked probe is not a reliable witness:
                // the kernel's early_drop may evict a non-assured entry and let one tracked SYN in.)
                assertThat(tb.conntrackCount()).as("untracked connections left no entries")
                        .isLessThanOrEqualTo(entries + 2);
                assertThat(filler.alive()).isTrue();

                String conntrack = agent.get("/api/v1/conntrack").expect(200).body();
                System.out.println("[table-full] GET /api/v1/conntrack: " + conntrack);
                assertThat(conntrack).contains("\"limit\":" + limit);
                agent.get("/api/v1/vms").expect(200);

                scrapeDuringFull = awaitKernelDrops(baseline);
            }
            System.out.println("[table-full] nf_conntrack_max was lowered for "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms, restoring "
                    + lowered.original());
        } finally {
            tb.conntrackFlush();
        }
        System.out.println("[table-full] prometheus excerpt with the table full:\n" + scrapeDuringFull);
        assertThat(remote.tcpConnect(t, t.ipv4(), PORT)).as("tracked VM reachable again").isTrue();
    }

    /** Polls the scrape (the agent caches kernel figures for 2 s) until drop or insert_failed rose. */
    private static String awaitKernelDrops(Map<String, Long> baseline) {
        long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        String scrape;
        while (true) {
            scrape = scrape();
            Map<String, Long> now = kernelCounters(scrape);
            if (now.get("drop") > baseline.get("drop") || now.get("insert_failed") > baseline.get("insert_failed")) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("sgagent_conntrack_drop_total / insert_failed_total did not rise above "
                        + baseline + ":\n" + excerpt(scrape));
            }
            sleep(500);
        }
        return excerpt(scrape);
    }

    private static String scrape() {
        return agent.get("/actuator/prometheus").expect(200).body();
    }

    private static Map<String, Long> kernelCounters(String scrape) {
        return Map.of("drop", (long) value(scrape, "sgagent_conntrack_drop_total"),
                "insert_failed", (long) value(scrape, "sgagent_conntrack_insert_failed_total"));
    }

    private static double value(String scrape, String metric) {
        return scrape.lines().filter(l -> l.startsWith(metric + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(metric.length() + 1).strip()))
                .orElseThrow(() -> new AssertionError("no " + metric + " in the scrape"));
    }

    private static String excerpt(String scrape) {
        return scrape.lines()
                .filter(l -> l.startsWith("sgagent_conntrack_") || l.startsWith("sgagent_notrack_set_entries")
                        || l.startsWith("sgagent_vms"))
                .collect(Collectors.joining("\n"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
