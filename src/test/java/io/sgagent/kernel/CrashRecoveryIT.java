package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 of the agent process in the middle of a burst of updates, then a restart on the same state
 * directory: every acknowledged update survives and the kernel converges to the stored state.
 */
class CrashRecoveryIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgcr");

    @Test
    void acknowledgedUpdatesSurviveAKillDuringABurst() throws Exception {
        Testbed tb = TB.get();
        List<Vm> vms = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            vms.add(tb.addVm("k" + i, "vnet" + i, "02:00:00:00:08:0" + i, List.of("10.99.8.1" + i),
                    List.of("fd99::8:1" + i)));
        }
        Path stateDir = Files.createTempDirectory("sgagent-crash");
        Path log = Files.createTempFile("sgagent-crash", ".log");
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();

        AgentProcess agent = AgentProcess.start(tb.hvNamespace(), stateDir, log);
        ExecutorService pool = Executors.newFixedThreadPool(vms.size());
        for (Vm vm : vms) {
            pool.submit(() -> {
                for (int seq = 1; !stop.get(); seq++) {
                    try {
                        RunningAgent.Response response = agent.put("/api/v1/vms/" + vm.name(),
                                VmBody.of(vm, seq).ingress(tcp(2000 + seq, 2000 + seq, "0.0.0.0/0")).json());
                        if (response.status() == 200) {
                            acknowledged.put(vm.name(), seq);
                        }
                    } catch (Exception connectionLost) {
                        return null;
                    }
                }
                return null;
            });
        }
        Thread.sleep(5000);
        agent.kill();
        stop.set(true);
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(acknowledged).as("the burst made progress before the kill").hasSize(vms.size());

        try (AgentProcess restarted = AgentProcess.start(tb.hvNamespace(), stateDir, log)) {
            String filter = tb.execHv("iptables-save", "-t", "filter");
            for (Vm vm : vms) {
                String body = restarted.get("/api/v1/vms/" + vm.name()).expect(200).body();
                Matcher seq = Pattern.compile("\"seq\":(\\d+)").matcher(body);
                assertThat(seq.find()).isTrue();
                int stored = Integer.parseInt(seq.group(1));
                assertThat(stored).as(vm.name() + ": never below the last acknowledged seq")
                        .isGreaterThanOrEqualTo(acknowledged.get(vm.name()));
                // The kernel holds exactly the stored version (one rule, its port) after the restart.
                int port = 2000 + stored;
                assertThat(filter).contains("--dport " + port + " -j ACCEPT");
                assertThat(remote(tb).tcpConnect(vm, vm.ipv4(), port)).isTrue();
            }
            System.out.println("acknowledged before kill -9: " + acknowledged);
        }
        // One more restart, now with nothing in flight: the kernel holds the stored state, so adoption writes
        // nothing at all. (After the kill it may legitimately have had to: the kill can fall between the
        // state write and the kernel write of an update.)
        try (AgentProcess again = AgentProcess.start(tb.hvNamespace(), stateDir, log)) {
            String lines = again.get("/actuator/prometheus").expect(200).body().lines()
                    .filter(l -> l.startsWith("sgagent_restore_lines_total ")).findFirst().orElseThrow();
            assertThat(lines).as("restart on an unchanged kernel").isEqualTo("sgagent_restore_lines_total 0.0");
        }
    }

    private static Vm remote(Testbed tb) {
        return tb.remote();
    }
}
