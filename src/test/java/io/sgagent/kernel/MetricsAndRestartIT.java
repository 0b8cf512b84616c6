package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Prometheus figures read from the kernel, health, and a restart that keeps (and re-programs) the state. */
class MetricsAndRestartIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgmr");

    static Testbed tb;
    static Vm u;
    static Vm t;
    static Vm remote;

    @BeforeAll
    static void start() {
        tb = TB.get();
        u = tb.addVm("u", "vnet1", "02:00:00:00:05:01", List.of("10.99.5.10", "10.99.5.11"), List.of("fd99::5:10"));
        t = tb.addVm("t", "vnet2", "02:00:00:00:05:02", List.of("10.99.5.20"), List.of("fd99::5:20"));
        remote = tb.remote();
    }

    @Test
    void prometheusAndConntrackEndpointShowKernelFigures() {
        try (RunningAgent agent = RunningAgent.start(tb.hvNamespace())) {
            agent.putVm("u", VmBody.of(u, 1).ingress(all("0.0.0.0/0", "::/0"))).expect(200);
            agent.putVm("t", VmBody.of(t, 1).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
            tb.conntrackFlush();
            assertThat(remote.tcpConnect(t, t.ipv4(), 22)).isTrue();

            String conntrack = agent.get("/api/v1/conntrack").expect(200).body();
            assertThat(conntrack).contains("\"limit\"").contains("\"usage\"");
            String metrics = agent.get("/actuator/prometheus").expect(200).body();
            assertThat(metrics)
                    .contains("sgagent_notrack_set_entries{family=\"ipv4\"} 2.0")
                    .contains("sgagent_notrack_set_entries{family=\"ipv6\"} 2.0") // address + link-local
                    .contains("sgagent_vms{tracking=\"untracked\"} 1.0")
                    .contains("sgagent_vms{tracking=\"tracked\"} 1.0")
                    .contains("sgagent_conntrack_entries_limit ")
                    .contains("sgagent_conntrack_insert_failed_total ")
                    .contains("sgagent_apply_seconds_bucket")
                    .contains("sgagent_apply_total{result=\"success\"}")
                    .contains("sgagent_last_apply_timestamp_seconds ");
            String entries = metrics.lines().filter(l -> l.startsWith("sgagent_conntrack_entries ")).findFirst()
                    .orElseThrow();
            assertThat(Double.parseDouble(entries.split(" ")[1])).as("the tracked flow is counted").isGreaterThan(0);
            long limit = Long.parseLong(tb.execHv("cat", "/proc/sys/net/netfilter/nf_conntrack_max").strip());
            assertThat(metrics).contains("sgagent_conntrack_entries_limit " + (double) limit);
            assertThat(conntrack).contains("\"limit\":" + limit);
            assertThat(agent.get("/actuator/health/readiness").expect(200).body()).contains("\"UP\"");

            // Per-VM drops: t allows only tcp/22, so tcp/23 from the remote is dropped by t's default deny.
            assertThat(remote.tcpConnect(t, t.ipv4(), 23)).isFalse();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> {
                String scrape = agent.get("/actuator/prometheus").expect(200).body();
                String prefix = "sgagent_vm_dropped_packets_total{direction=\"ingress\",vm=\"t\"}";
                assertThat(scrape).contains(prefix);
                String line = scrape.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
                assertThat(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).isGreaterThan(0);
            });
            String vm = agent.get("/api/v1/vms/t").expect(200).body();
            java.util.regex.Matcher dropped = java.util.regex.Pattern
                    .compile("\"dropped\":\\{\"ingress\":\\{\"packets\":(\\d+)").matcher(vm);
            assertThat(dropped.find()).as(vm).isTrue();
            assertThat(Long.parseLong(dropped.group(1))).as("GET shows the same drops").isGreaterThan(0);
            agent.delete("/api/v1/vms/t").expect(204);
            assertThat(agent.get("/actuator/prometheus").expect(200).body())
                    .as("meters of deleted VMs are removed").doesNotContain("vm=\"t\"")
                    .contains("sgagent_vm_dropped_packets_total{direction=\"egress\",vm=\"u\"}");
        }
    }

    @Test
    void aRestartedAgentKeepsSeqAndReprogramsAnEmptiedKernel() throws Exception {
        Path stateDir = Files.createTempDirectory("sgagent-restart");
        String state = "sgagent.state-dir=" + stateDir;
        try (RunningAgent agent = RunningAgent.startWith(tb.hvNamespace(), state)) {
            agent.putVm("t", VmBody.of(t, 7).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
        }
        // Simulate a hypervisor reboot: the kernel loses everything of ours.
        for (String tool : List.of("iptables", "ip6tables")) {
            for (String table : List.of("filter", "raw")) {
                tb.execHv(tool, "-t", table, "-F");
                tb.execHv(tool, "-t", table, "-X");
            }
        }
        assertThat(remote.tcpConnect(t, t.ipv4(), 23)).as("no rules: open").isTrue();

        try (RunningAgent agent = RunningAgent.startWith(tb.hvNamespace(), state)) {
            assertThat(agent.get("/api/v1/vms/t").expect(200).body()).contains("\"seq\":7");
            assertThat(remote.tcpConnect(t, t.ipv4(), 23)).as("re-programmed at start").isFalse();
            assertThat(remote.tcpConnect(t, t.ipv4(), 22)).isTrue();
            agent.putVm("t", VmBody.of(t, 6).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(409);
            agent.putVm("t", VmBody.of(t, 7).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
        }
    }

    @Test
    void aNamespaceCreatedAnewUnderTheSameNameStartsClean() throws Exception {
        // A test harness or the sandbox deletes and re-creates a namespace of the same name: the state stored
        // for the old one must not be adopted (it would turn a fresh seq 1 into a 409).
        Path stateDir = Files.createTempDirectory("sgagent-renew");
        String ns = "sgmr-renew";
        String state = "sgagent.state-dir=" + stateDir;
        new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(); // leftover of a crashed run
        try {
            new ProcessBuilder("ip", "netns", "add", ns).start().waitFor();
            try (RunningAgent agent = RunningAgent.startWith(ns, state)) {
                agent.putVm("x", VmBody.of(t, 5).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
            }
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor();
            new ProcessBuilder("ip", "netns", "add", ns).start().waitFor();
            try (RunningAgent agent = RunningAgent.startWith(ns, state)) {
                agent.get("/api/v1/vms/x").expect(404);
                agent.putVm("x", VmBody.of(t, 1).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
            }
        } finally {
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor();
        }
    }
}
