package io.sgagent.kernel;

import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The single writer under faults: a kernel tool that fails mid-update, the xtables lock held by someone else,
 * and many threads sending out-of-order and duplicate PUTs.
 */
class WriterFaultsIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgwf");

    static RunningAgent agent;
    static Testbed tb;
    static Path tools;
    static Path stateDir;
    static Vm w;
    static Vm remote;

    @BeforeAll
    static void start() throws Exception {
        tb = TB.get();
        w = tb.addVm("w", "vnet1", "02:00:00:00:07:01", List.of("10.99.7.10"), List.of("fd99::7:10"));
        remote = tb.remote();
        // A wrapper that makes ip6tables-restore fail while a marker file exists: the IPv4 transaction of the
        // same apply has then already been committed and must be rolled back.
        tools = Files.createTempDirectory("sgagent-tools");
        Path wrapper = tools.resolve("ip6tables-restore");
        Files.writeString(wrapper, """
                #!/bin/sh
                if [ -e "$(dirname "$0")/fail" ]; then
                  echo "injected failure: ip6tables-restore refused the transaction" >&2
                  exit 1
                fi
                exec /usr/sbin/ip6tables-restore "$@"
                """);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        stateDir = Files.createTempDirectory("sgagent-faults");
        agent = RunningAgent.startWith(tb.hvNamespace(), "sgagent.state-dir=" + stateDir,
                "sgagent.netfilter.tool-path=" + tools, "sgagent.reconcile.drift-interval=0s");
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void aRestoreFailingMidUpdateKeepsThePreviousRulesAndTheStoredSeq() throws Exception {
        agent.putVm("w", VmBody.of(w, 10).ingress(tcp(22, 22, "0.0.0.0/0", "::/0"))).expect(200);
        Files.createFile(tools.resolve("fail"));
        try {
            RunningAgent.Response refused = agent.putVm("w", VmBody.of(w, 11).ingress(tcp(23, 23, "0.0.0.0/0")));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).contains("injected failure");
            assertThat(agent.get("/api/v1/vms/w").expect(200).body()).contains("\"seq\":10");
            assertThat(remote.tcpConnect(w, w.ipv4(), 23)).as("new v4 rule rolled back").isFalse();
            assertThat(remote.tcpConnect(w, w.ipv4(), 22)).as("old v4 rule in force").isTrue();
            assertThat(remote.tcpConnect(w, w.ipv6(), 22)).as("old v6 rule in force").isTrue();
            assertThat(agent.get("/actuator/health/readiness").status()).as("not ready after a failed apply")
                    .isEqualTo(503);
            agent.get("/actuator/health/liveness").expect(200);
        } finally {
            Files.delete(tools.resolve("fail"));
        }
        // The refused seq was never stored, so the management plane can simply retry it.
        agent.putVm("w", VmBody.of(w, 11).ingress(tcp(23, 23, "0.0.0.0/0"))).expect(200);
        assertThat(remote.tcpConnect(w, w.ipv4(), 23)).isTrue();
        agent.get("/actuator/health/readiness").expect(200);
    }

    @Test
    void aStateWriteThatFailsFailsTheRequestAndLeavesTheKernelAlone() throws Exception {
        agent.putVm("w", VmBody.of(w, 30).ingress(tcp(22, 22, "0.0.0.0/0"))).expect(200);
        String before = tb.execHv("iptables-save", "-t", "filter");
        Path vms = stateDir.resolve("netns-" + tb.hvNamespace()).resolve("vms");
        Path aside = stateDir.resolve("vms-aside");
        Files.move(vms, aside);
        Files.writeString(vms, "not a directory"); // every write below it now fails, like a full or broken disk
        try {
            RunningAgent.Response refused = agent.putVm("w", VmBody.of(w, 31).ingress(tcp(25, 25, "0.0.0.0/0")));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).contains("cannot store");
            assertThat(tb.execHv("iptables-save", "-t", "filter")).as("kernel untouched").isEqualTo(before);
            assertThat(remote.tcpConnect(w, w.ipv4(), 25)).isFalse();
        } finally {
            Files.delete(vms);
            Files.move(aside, vms);
        }
        agent.putVm("w", VmBody.of(w, 31).ingress(tcp(25, 25, "0.0.0.0/0"))).expect(200);
    }

    @Test
    void anApplyWaitsForTheXtablesLockAndSucceeds() throws Exception {
        // iptables-nft takes the lock only for compatibility; whichever backend, the apply must succeed.
        Process holder = new ProcessBuilder("flock", "/run/xtables.lock", "sleep", "3").start();
        try {
            Thread.sleep(200);
            agent.putVm("w", VmBody.of(w, 20).ingress(tcp(24, 24, "0.0.0.0/0"))).expect(200);
            assertThat(remote.tcpConnect(w, w.ipv4(), 24)).isTrue();
        } finally {
            holder.destroy();
            holder.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void outOfOrderAndDuplicatePutsFromManyThreadsEndAtTheHighestSeq() throws Exception {
        List<Vm> vms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            vms.add(tb.addVm("c" + i, "vnet1" + i, "02:00:00:00:07:2" + i, List.of("10.99.7.2" + i),
                    List.of("fd99::7:2" + i)));
        }
        List<Runnable> puts = new ArrayList<>();
        for (Vm vm : vms) {
            for (int seq = 1; seq <= 40; seq++) {
                int s = seq;
                Runnable put = () -> agent.putVm(vm.name(), VmBody.of(vm, s).ingress(tcp(1000 + s, 1000 + s,
                        "0.0.0.0/0")));
                puts.add(put);
                if (seq % 5 == 0) {
                    puts.add(put); // duplicates
                }
            }
        }
        Collections.shuffle(puts, new java.util.Random(7));
        double appliesBefore = applies();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> done = new ArrayList<>();
        for (Runnable put : puts) {
            done.add(pool.submit(put));
        }
        for (Future<?> future : done) {
            future.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        double transactions = applies() - appliesBefore;
        for (Vm vm : vms) {
            assertThat(agent.get("/api/v1/vms/" + vm.name()).expect(200).body()).contains("\"seq\":40");
            assertThat(tb.execHv("iptables-save", "-t", "filter")).contains("--dport 1040 -j ACCEPT")
                    .doesNotContain("--dport 1039 -j ACCEPT");
            assertThat(remote.tcpConnect(vm, vm.ipv4(), 1040)).isTrue();
        }
        System.out.printf("%d PUTs from 16 threads -> %.0f kernel applies%n", puts.size(), transactions);
        assertThat(transactions).as("concurrent writes are coalesced").isLessThan(puts.size());
    }

    private static double applies() {
        return agent.get("/actuator/prometheus").expect(200).body().lines()
                .filter(l -> l.startsWith("sgagent_apply_total{result=\"success\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
