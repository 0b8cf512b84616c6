package io.sgagent.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Walks packets through the dispatch tree the way the kernel would (exact name, or "+" wildcard prefix; jump
 * into sub-chains, fall back out of them), instead of comparing rule text.
 */
class DispatchTreeTest {

    private record Walk(String target, int evaluations) {
    }

    private static Walk walk(List<Rule> rules, Map<String, Chain> chains, String device) {
        int evaluations = 0;
        for (Rule rule : rules) {
            evaluations++;
            String pattern = ((Match.Physdev) rule.matches().get(0)).device();
            boolean matches = pattern.endsWith("+") ? device.startsWith(pattern.substring(0, pattern.length() - 1))
                    : device.equals(pattern);
            if (!matches) {
                continue;
            }
            if (rule.action() instanceof Action.Jump jump && chains.containsKey(jump.chain())) {
                Walk inner = walk(chains.get(jump.chain()).rules(), chains, device);
                evaluations += inner.evaluations();
                if (inner.target() != null) {
                    return new Walk(inner.target(), evaluations);
                }
                continue; // fell off the sub-chain: back in the parent, next rule
            }
            return new Walk(((Action.Goto) rule.action()).chain(), evaluations);
        }
        return new Walk(null, evaluations);
    }

    private static DispatchTree tree() {
        return new DispatchTree("sga-de-", device -> new Match.Physdev(device, true, true),
                device -> new Action.Goto("leaf-" + device), "from");
    }

    @Test
    void everyDeviceReachesExactlyItsOwnChainInFewEvaluations() {
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            devices.add("vnet" + i);
        }
        devices.add("tap-a");
        devices.add("eth9");
        DispatchTree tree = tree();
        List<Rule> root = tree.build(devices);
        Map<String, Chain> chains = tree.subChains().stream().collect(Collectors.toMap(Chain::name, Function.identity()));

        int worst = 0;
        for (String device : devices) {
            Walk walk = walk(root, chains, device);
            assertThat(walk.target()).as(device).isEqualTo("leaf-" + device);
            worst = Math.max(worst, walk.evaluations());
        }
        assertThat(worst).as("rules evaluated for the worst device out of 1002 (a flat list would be 1002)")
                .isLessThanOrEqualTo(60);
        assertThat(chains.values()).allSatisfy(chain -> assertThat(chain.name().length()).isLessThanOrEqualTo(28));
        assertThat(root.size()).isLessThanOrEqualTo(DispatchTree.FANOUT);
    }

    @Test
    void anUnmanagedDeviceSharingAPrefixFallsThroughToTheRulesAfterTheDispatch() {
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            devices.add("vnet" + i);
        }
        DispatchTree tree = tree();
        List<Rule> root = tree.build(devices);
        Map<String, Chain> chains = tree.subChains().stream().collect(Collectors.toMap(Chain::name, Function.identity()));
        for (String stranger : List.of("vnet1x", "vnet1999", "vnet", "vnet20a", "other0")) {
            assertThat(walk(root, chains, stranger).target()).as(stranger).isNull();
        }
    }

    @Test
    void smallHostsKeepAFlatListAndTheTreeIsDeterministic() {
        List<String> devices = List.of("vnet3", "vnet1", "vnet2");
        DispatchTree tree = tree();
        assertThat(tree.build(devices)).extracting(Rule::match)
                .containsExactly("-m physdev --physdev-in vnet1 --physdev-is-bridged",
                        "-m physdev --physdev-in vnet2 --physdev-is-bridged",
                        "-m physdev --physdev-in vnet3 --physdev-is-bridged");
        assertThat(tree.subChains()).isEmpty();
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add("vnet" + i);
        }
        DispatchTree first = tree();
        DispatchTree second = tree();
        List<String> reversed = new ArrayList<>(many);
        java.util.Collections.reverse(reversed);
        assertThat(first.build(many)).isEqualTo(second.build(reversed));
        assertThat(first.subChains()).isEqualTo(second.subChains());
    }
}
