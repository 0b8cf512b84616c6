package io.sgagent.kernel;

import static io.sgagent.kernel.KernelAssertions.conntrackOf;
import static io.sgagent.kernel.VmBody.all;
import static io.sgagent.kernel.VmBody.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.testbed.LiveFlow;
import io.sgagent.testbed.Testbed;
import io.sgagent.testbed.TestbedExtension;
import io.sgagent.testbed.Vm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * B7 through a full-host sync: {@code PUT /api/v1/vms} without some VMs removes them, and when it answers the flows
 * of every address they had are gone, in both directions and both families, while the VMs that stay keep theirs.
 * A sync that removes several VMs lists the conntrack table once and deletes only the addresses it holds
 * (ConntrackClient.flush), so this proves that path with real flows.
 */
class FullSyncFlowsIT {
    @RegisterExtension
    static final TestbedExtension TB = new TestbedExtension("sgfs");

    private static final ExecutorService CHECKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flow-check");
        t.setDaemon(true);
        return t;
    });

    static RunningAgent agent;
    static Testbed tb;
    static Vm g;
    static Vm h;
    static Vm k;
    static Vm m;
    static Vm p;

    @BeforeAll
    static void start() {
        tb = TB.get();
        g = tb.addVm("g", "vnet1", "02:00:00:00:06:01", List.of("10.99.6.11"), List.of("fd99::6:11"));
        h = tb.addVm("h", "vnet2", "02:00:00:00:06:02", List.of("10.99.6.12"), List.of("fd99::6:12"));
        k = tb.addVm("k", "vnet3", "02:00:00:00:06:03", List.of("10.99.6.13"), List.of("fd99::6:13"));
        m = tb.addVm("m", "vnet4", "02:00:00:00:06:04", List.of("10.99.6.14"), List.of("fd99::6:14"));
        p = tb.addVm("p", "vnet5", "02:00:00:00:06:05", List.of("10.99.6.15"), List.of("fd99::6:15"));
        agent = RunningAgent.start(tb.hvNamespace());
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private static String host(long seq, Vm... vms) {
        return Stream.of(vms).map(vm -> "\"" + vm.name() + "\":" + VmBody.of(vm, seq)
                        .ingress(all("0.0.0.0/0", "::/0")).egress(all("0.0.0.0/0", "::/0")).json())
                .collect(Collectors.joining(",", "{\"vms\":{", "}}"));
    }

    /** A flow from the hypervisor to the VM (the VM's address as destination) and one back (as source), per family. */
    private static void openFlows(Vm vm) {
        Vm hypervisor = tb.hypervisor();
        assertThat(hypervisor.tcpConnect(vm, vm.ipv4(), 22)).as("hypervisor -> %s", vm.name()).isTrue();
        assertThat(hypervisor.tcpConnect(vm, vm.ipv6(), 22)).as("hypervisor -> %s over IPv6", vm.name()).isTrue();
        assertThat(vm.tcpConnect(hypervisor, hypervisor.ipv4(), 2222)).as("%s -> hypervisor", vm.name()).isTrue();
        assertThat(conntrackOf(tb, vm.ipv4())).as("entries of %s", vm.name()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(conntrackOf(tb, vm.ipv6())).as("IPv6 entries of %s", vm.name()).isNotEmpty();
    }

    @Test
    void aFullSyncRemovingVmsFlushesAllTheirFlowsAndKeepsTheFlowsOfTheVmsThatStay() {
        agent.put("/api/v1/vms", host(1, g, h, k)).expect(200);
        tb.conntrackFlush();
        for (Vm vm : List.of(g, h, k)) {
            openFlows(vm);
        }

        agent.put("/api/v1/vms", host(1, k)).expect(200);

        for (Vm gone : List.of(g, h)) {
            assertThat(conntrackOf(tb, gone.ipv4())).as("IPv4 flows of removed VM %s", gone.name()).isEmpty();
            assertThat(conntrackOf(tb, gone.ipv6())).as("IPv6 flows of removed VM %s", gone.name()).isEmpty();
        }
        assertThat(conntrackOf(tb, k.ipv4())).as("flows of the VM that stays").hasSizeGreaterThanOrEqualTo(2);
        assertThat(conntrackOf(tb, k.ipv6())).as("IPv6 flows of the VM that stays").isNotEmpty();

        agent.put("/api/v1/vms", "{\"vms\":{}}").expect(200);

        assertThat(conntrackOf(tb, k.ipv4())).as("flows of the last VM, removed too").isEmpty();
        assertThat(conntrackOf(tb, k.ipv6())).isEmpty();
    }

    private static String hostWithIngress(long seq, List<Map<String, Object>> ingress, Vm... vms) {
        return Stream.of(vms).map(vm -> {
            VmBody body = VmBody.of(vm, seq).egress(all("0.0.0.0/0", "::/0"));
            ingress.forEach(body::ingress);
            return "\"" + vm.name() + "\":" + body.json();
        }).collect(Collectors.joining(",", "{\"vms\":{", "}}"));
    }

    /**
     * B6 through a full sync that narrows five VMs at once (more than ConntrackCleanup.LISTINGS_PER_VM_UP_TO, so
     * they share one listing of the table, judged by their marks): every live flow the new rules no longer allow
     * stops when the PUT has answered, every flow they still allow keeps passing.
     */
    @Test
    void aFullSyncNarrowingManyVmsCutsExactlyTheFlowsTheyNoLongerAllow() {
        Vm[] vms = {g, h, k, m, p};
        Map<String, Object> ssh = tcp(22, 22, "0.0.0.0/0", "::/0");
        Map<String, Object> web = tcp(80, 80, "0.0.0.0/0", "::/0");
        agent.put("/api/v1/vms", hostWithIngress(10, List.of(ssh, web), vms)).expect(200);
        tb.conntrackFlush();
        Vm remote = tb.remote();
        List<LiveFlow> flows = new ArrayList<>();
        try {
            List<LiveFlow> cut = new ArrayList<>();
            List<LiveFlow> kept = new ArrayList<>();
            for (Vm vm : vms) {
                LiveFlow toSsh = LiveFlow.tcp(remote, vm, vm.ipv4(), 22);
                LiveFlow toSsh6 = LiveFlow.tcp(remote, vm, vm.ipv6(), 22);
                LiveFlow toWeb = LiveFlow.tcp(remote, vm, vm.ipv4(), 80);
                flows.addAll(List.of(toSsh, toSsh6, toWeb));
                cut.addAll(List.of(toSsh, toSsh6));
                kept.add(toWeb);
            }
            for (LiveFlow flow : flows) {
                assertThat(flow.exchange()).as("%s before: %s", flow, flow.lastFailure()).isTrue();
            }

            agent.put("/api/v1/vms", hostWithIngress(11, List.of(web), vms)).expect(200);

            for (LiveFlow flow : kept) {
                assertThat(flow.exchange()).as("%s still allowed: %s", flow, flow.lastFailure()).isTrue();
            }
            // Side by side: each check waits up to 2 s, and the echo servers close a connection idle for 10 s.
            List<CompletableFuture<String>> checks = cut.stream().map(flow -> CompletableFuture.supplyAsync(
                    () -> flow.failsWithin(Duration.ofSeconds(2)) ? null : flow + " still passes after ssh was removed",
                    CHECKS)).toList();
            assertThat(checks.stream().map(CompletableFuture::join).filter(problem -> problem != null))
                    .as("flows the narrowed rules no longer allow").isEmpty();
        } finally {
            flows.forEach(LiveFlow::close);
            agent.put("/api/v1/vms", "{\"vms\":{}}").expect(200);
        }
    }
}
