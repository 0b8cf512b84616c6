package io.sgagent.netfilter;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.host;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.fixtures.FakeKernel;
import io.sgagent.ruleset.Ruleset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The writers against a fake kernel: order, atomicity per family, rollback, fallback, drift. No root. */
class NetfilterExecutorTest {
    private final FakeKernel kernel = new FakeKernel();
    private final NetfilterExecutor executor = new NetfilterExecutor(kernel, 10);

    private static Ruleset ruleset(int port, boolean open) {
        var vm = aVm("web").nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), List.of("2001:db8::1"));
        vm = open ? vm.ingress(all().from(ANY4, ANY6)) : vm.ingress(tcp(port).from(ANY4, ANY6));
        return new RulesetCompiler().compile(host(vm.build()));
    }

    @Test
    void aFirstApplyWritesEveryFamilyAndTheKernelThenHoldsExactlyTheRuleset() throws Exception {
        executor.apply(ruleset(22, false));

        // Sets first (rules name them); the three families then go side by side, in any order.
        List<String> tools = kernel.writes().stream().map(FakeKernel.Call::tool).toList();
        assertThat(tools.get(0)).isEqualTo("ipset");
        assertThat(tools.subList(1, tools.size())).contains("iptables-restore", "ip6tables-restore",
                "ebtables-nft-restore");
        assertThat(executor.drift(ruleset(22, false))).isEmpty();
        assertThat(executor.drift(ruleset(80, false))).isNotEmpty();
        assertThat(executor.restoreLines()).isPositive();
    }

    @Test
    void anUnchangedRulesetWritesNothingIncrementally() throws Exception {
        executor.apply(ruleset(22, false));
        kernel.forgetCalls();

        executor.apply(ruleset(22, false));

        assertThat(kernel.writes()).isEmpty();
    }

    @Test
    void ip6tablesRefusingAfterIptablesCommittedRollsIpv4BackB9() throws Exception {
        executor.apply(ruleset(22, false));
        Map<String, List<String>> v4 = kernel.chains("iptables", "filter");
        Map<String, List<String>> v4raw = kernel.chains("iptables", "raw");
        var sets = kernel.sets();
        kernel.failTool("ip6tables-restore");

        assertThatThrownBy(() -> executor.apply(ruleset(0, true))).isInstanceOf(KernelApplyException.class)
                .hasMessageContaining("ip6tables-restore");

        assertThat(kernel.chains("iptables", "filter")).isEqualTo(v4);
        assertThat(kernel.chains("iptables", "raw")).isEqualTo(v4raw);
        assertThat(kernel.sets()).as("notrack members not left behind").isEqualTo(sets);
    }

    @Test
    void bridgeNfThatCannotBeTurnedOnFailsAnUpdateAndLeavesThePreviousRulesB9() throws Exception {
        executor.apply(ruleset(22, false));
        Map<String, List<String>> v4 = kernel.chains("iptables", "filter");
        Map<String, List<String>> v6 = kernel.chains("ip6tables", "filter");
        kernel.sysctl("net.bridge.bridge-nf-call-iptables", "0");
        kernel.fail(call -> call.tool().equals("sysctl") && call.argv().contains("-w"), 1, "permission denied");

        // The check runs next to the family writes: they were written, and must be put back.
        assertThatThrownBy(() -> executor.apply(ruleset(80, false))).isInstanceOf(KernelApplyException.class)
                .hasMessageContaining("bridge-nf-call-iptables");

        assertThat(kernel.chains("iptables", "filter")).isEqualTo(v4);
        assertThat(kernel.chains("ip6tables", "filter")).isEqualTo(v6);
        assertThat(executor.drift(ruleset(22, false))).containsExactly("sysctl net.bridge.bridge-nf-call-iptables");
    }

    @Test
    void anUpdateTurnsBridgeNfBackOn() throws Exception {
        executor.apply(ruleset(22, false));
        kernel.sysctl("net.bridge.bridge-nf-call-ip6tables", "0");

        executor.apply(ruleset(80, false));

        assertThat(executor.drift(ruleset(80, false))).isEmpty();
    }

    @Test
    void aRefusedLaterTableRollsBackTheEarlierTableOfTheSameFamily() throws Exception {
        executor.apply(ruleset(22, false));
        Map<String, List<String>> raw = kernel.chains("iptables", "raw");
        kernel.failTable("iptables-restore", "filter");

        assertThatThrownBy(() -> executor.applyFull(ruleset(0, true))).isInstanceOf(KernelApplyException.class);

        kernel.clearFaults();
        assertThat(kernel.chains("iptables", "raw")).isEqualTo(raw);
        assertThat(executor.drift(ruleset(22, false))).isEmpty();
    }

    @Test
    void theIncrementalPathFallsBackToAFullApplyWhenTheKernelChangedBehindOurBack() throws Exception {
        executor.apply(ruleset(22, false));
        int[] fellBack = {0};
        executor.events(new ApplyEvents() {
            @Override
            public void fellBackToFull() {
                fellBack[0]++;
            }
        });
        // Someone destroyed our notrack set: the incremental "add" to it fails, the full apply recreates it.
        String notrack = kernel.sets().keySet().stream().filter(s -> s.contains("notrack") || s.contains("nt"))
                .findFirst().orElseThrow();
        kernel.run(List.of("ipset", "restore"), "destroy " + notrack + "\n");
        kernel.fail(call -> call.tool().equals("ipset") && call.argv().contains("restore")
                && call.stdin().contains("add ") && call.stdin().contains("-exist") && !call.stdin().contains("swap"),
                1, "The set with the given name does not exist");

        executor.apply(ruleset(0, true));

        assertThat(fellBack[0]).isEqualTo(1);
        assertThat(executor.drift(ruleset(0, true))).isEmpty();
    }

    @Test
    void driftNamesWhatDiffers() throws Exception {
        Ruleset desired = ruleset(0, true);
        executor.apply(desired);
        String chain = desired.ipv4().tables().stream().filter(t -> t.table().equals("filter")).findFirst()
                .orElseThrow().chains().get(0).name();
        String set = desired.sets().get(0).name();

        kernel.flushChain("iptables", "filter", chain);
        kernel.deleteRule("iptables", "filter", "FORWARD", 0);
        kernel.run(List.of("ipset", "restore"), "add " + set + " 10.9.9.9\n");

        assertThat(executor.drift(desired)).contains("chain ipv4/filter/" + chain, "hook ipv4/filter/FORWARD",
                "set " + set);
        executor.applyFull(desired);
        assertThat(executor.drift(desired)).isEmpty();
    }
}
