package io.sgagent.ruleset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RestoreRendererTest {
    private static final HookJump FORWARD_HOOK = new HookJump("FORWARD", "sga-FORWARD");

    private static final FamilyRuleset IPV4 = new FamilyRuleset(IpFamily.IPV4, List.of(
            new TableRules("filter", List.of(
                    new Chain("sga-FORWARD", List.of(Rule.of(new Match.Physdev("vnet1", true, true),
                            new Action.Goto("sga-e-web")))),
                    new Chain("sga-e-web", List.of(Rule.always(Action.ACCEPT)))),
                    List.of(FORWARD_HOOK))));

    private static Map<String, KernelTable> kernel(Set<String> own, List<Integer> hookPositions) {
        return Map.of("filter", new KernelTable("filter", own, Map.of("FORWARD", hookPositions.stream()
                .map(p -> new KernelTable.BuiltinJump(p, "sga-FORWARD")).toList()), Map.of()));
    }

    @Test
    void freshKernelGetsDeclarationsRulesAndTheHook() {
        assertThat(RestoreRenderer.render(IPV4)).isEqualTo("""
                *filter
                :sga-e-web - [0:0]
                -A sga-e-web -j ACCEPT
                :sga-FORWARD - [0:0]
                -A sga-FORWARD -m physdev --physdev-in vnet1 --physdev-is-bridged -g sga-e-web
                -I FORWARD 1 -j sga-FORWARD
                COMMIT
                """);
        assertThat(RestoreRenderer.render(IPV4, Map.of())).isEqualTo(RestoreRenderer.render(IPV4));
    }

    /**
     * Descending name order (iptables-nft-restore --noflush searches its chain list from the smallest name), and a
     * chain that is jumped to from a chain with a larger name is declared before that chain's first rule.
     */
    @Test
    void chainsAreWrittenLargestNameFirstAndEveryJumpTargetIsDeclaredBeforeItIsNamed() {
        FamilyRuleset family = new FamilyRuleset(IpFamily.IPV4, List.of(new TableRules("filter", List.of(
                new Chain("sga-a", List.of(Rule.always(Action.DROP))),
                new Chain("sga-m", List.of(Rule.always(Action.RETURN))),
                new Chain("sga-z", List.of(Rule.always(new Action.Jump("sga-a")), Rule.always(new Action.Goto("sga-m"))))),
                List.of())));

        assertThat(RestoreRenderer.render(family)).isEqualTo("""
                *filter
                :sga-a - [0:0]
                :sga-m - [0:0]
                :sga-z - [0:0]
                -A sga-z -j sga-a
                -A sga-z -g sga-m
                -A sga-m -j RETURN
                -A sga-a -j DROP
                COMMIT
                """);
    }

    @Test
    void hookAlreadyFirstIsLeftAlone() {
        String script = RestoreRenderer.render(IPV4, kernel(Set.of("sga-FORWARD", "sga-e-web"), List.of(1)));

        assertThat(script).doesNotContain("-I ").doesNotContain("-D ").doesNotContain("-X ");
        assertThat(script).isEqualTo("""
                *filter
                :sga-e-web - [0:0]
                -A sga-e-web -j ACCEPT
                :sga-FORWARD - [0:0]
                -A sga-FORWARD -m physdev --physdev-in vnet1 --physdev-is-bridged -g sga-e-web
                COMMIT
                """);
    }

    @Test
    void hookFurtherDownIsMovedToTheTop() {
        String script = RestoreRenderer.render(IPV4, kernel(Set.of("sga-FORWARD"), List.of(3)));

        assertThat(script.lines().filter(l -> l.startsWith("-D ") || l.startsWith("-I ")))
                .containsExactly("-D FORWARD -j sga-FORWARD", "-I FORWARD 1 -j sga-FORWARD");
    }

    @Test
    void duplicateHooksAreEachDeletedOnce() {
        String script = RestoreRenderer.render(IPV4, kernel(Set.of("sga-FORWARD"), List.of(1, 4, 7)));

        assertThat(script.lines().filter(l -> l.startsWith("-D ") || l.startsWith("-I ")))
                .containsExactly("-D FORWARD -j sga-FORWARD", "-D FORWARD -j sga-FORWARD",
                        "-D FORWARD -j sga-FORWARD", "-I FORWARD 1 -j sga-FORWARD");
    }

    @Test
    void obsoleteOwnChainsAreFlushedThenDeletedAfterTheNewRules() {
        String script = RestoreRenderer.render(IPV4,
                kernel(Set.of("sga-FORWARD", "sga-e-web", "sga-i-gone", "sga-e-gone"), List.of(1)));

        assertThat(script).isEqualTo("""
                *filter
                :sga-i-gone - [0:0]
                :sga-e-web - [0:0]
                -A sga-e-web -j ACCEPT
                :sga-e-gone - [0:0]
                :sga-FORWARD - [0:0]
                -A sga-FORWARD -m physdev --physdev-in vnet1 --physdev-is-bridged -g sga-e-web
                -X sga-e-gone
                -X sga-i-gone
                COMMIT
                """);
    }

    @Test
    void deletionsComeAfterTheHookIsFixed() {
        String script = RestoreRenderer.render(IPV4, kernel(Set.of("sga-FORWARD", "sga-i-gone"), List.of(2)));
        List<String> lines = script.lines().toList();

        assertThat(lines.indexOf(":sga-i-gone - [0:0]")).isLessThan(lines.indexOf("-A sga-e-web -j ACCEPT"));
        assertThat(lines.indexOf("-X sga-i-gone")).isGreaterThan(lines.indexOf("-I FORWARD 1 -j sga-FORWARD"))
                .isEqualTo(lines.size() - 2);
    }

    @Test
    void bridgeChainsAreDeclaredWithReturnPolicy() {
        FamilyRuleset bridge = new FamilyRuleset(IpFamily.BRIDGE, List.of(new TableRules("nat", List.of(
                new Chain("sga-PREROUTING", List.of(Rule.of(new Match.InInterface("vnet1"), new Action.Jump("sga-b-vnet1")))),
                new Chain("sga-b-vnet1", List.of(Rule.of(new Match.MacSourceNot("02:00:00:00:00:01"), Action.DROP)))),
                List.of(new HookJump("PREROUTING", "sga-PREROUTING")))));
        Map<String, KernelTable> current = Map.of("nat",
                new KernelTable("nat", Set.of("sga-PREROUTING", "sga-b-vnet9"), Map.of(), Map.of()));

        assertThat(RestoreRenderer.render(bridge, current)).isEqualTo("""
                *nat
                :sga-b-vnet9 RETURN
                :sga-b-vnet1 RETURN
                -A sga-b-vnet1 -s ! 02:00:00:00:00:01 -j DROP
                :sga-PREROUTING RETURN
                -A sga-PREROUTING -i vnet1 -j sga-b-vnet1
                -I PREROUTING 1 -j sga-PREROUTING
                -X sga-b-vnet9
                COMMIT
                """);
    }

    @Test
    void eachTableIsItsOwnBlockAndUsesItsOwnKernelState() {
        FamilyRuleset two = new FamilyRuleset(IpFamily.IPV6, List.of(
                new TableRules("raw", List.of(new Chain("sga-PREROUTING", List.of())),
                        List.of(new HookJump("PREROUTING", "sga-PREROUTING"))),
                new TableRules("filter", List.of(new Chain("sga-FORWARD", List.of())), List.of(FORWARD_HOOK))));
        Map<String, KernelTable> current = Map.of(
                "raw", new KernelTable("raw", Set.of("sga-PREROUTING"), Map.of("PREROUTING", List.of(new KernelTable.BuiltinJump(1, "sga-PREROUTING"))), Map.of()));

        assertThat(RestoreRenderer.render(two, current)).isEqualTo("""
                *raw
                :sga-PREROUTING - [0:0]
                COMMIT
                *filter
                :sga-FORWARD - [0:0]
                -I FORWARD 1 -j sga-FORWARD
                COMMIT
                """);
    }

    @Test
    void neverNamesAChainThatIsNotOursExceptTheHookedBuiltin() {
        String script = RestoreRenderer.render(IPV4, kernel(Set.of("sga-old"), List.of(2, 5)));
        for (String line : script.lines().toList()) {
            if (line.startsWith(":") || line.startsWith("-A ") || line.startsWith("-X ")) {
                assertThat(line).matches("(:|-A |-X )sga-.*");
            } else if (line.startsWith("-D ") || line.startsWith("-I ")) {
                assertThat(line).matches("-[DI] FORWARD (1 )?-j sga-FORWARD");
            } else {
                assertThat(line).matches("\\*filter|COMMIT");
            }
        }
    }

    @Test
    void hookInPlaceOnlyForASingleJumpAtPositionOne() {
        KernelTable none = KernelTable.empty("filter");
        assertThat(none.hookInPlace(FORWARD_HOOK)).isFalse();
        assertThat(kernel(Set.of(), List.of(1)).get("filter").hookInPlace(FORWARD_HOOK)).isTrue();
        assertThat(kernel(Set.of(), List.of(2)).get("filter").hookInPlace(FORWARD_HOOK)).isFalse();
        assertThat(kernel(Set.of(), List.of(1, 3)).get("filter").hookInPlace(FORWARD_HOOK)).isFalse();
    }

    @Test
    void renderChainsAndRuleLinesUseSaveSyntax() {
        Chain chain = new Chain("sga-i-web", List.of(Rule.of(List.of(new Match.Ports("tcp", null, Match.PortSpan.of(22)),
                        Match.Protocol.TCP), Action.ACCEPT),
                Rule.always(Action.DROP)));
        assertThat(RestoreRenderer.ruleLines(chain))
                .containsExactly("-A sga-i-web -p tcp -m tcp --dport 22 -j ACCEPT", "-A sga-i-web -j DROP");
        assertThat(RestoreRenderer.renderChains("filter", List.of(chain),
                List.of("-A sga-TO-VM -m physdev --physdev-out vnet1 --physdev-is-bridged -g sga-i-web"), false))
                .isEqualTo("""
                        *filter
                        :sga-i-web - [0:0]
                        -A sga-TO-VM -m physdev --physdev-out vnet1 --physdev-is-bridged -g sga-i-web
                        -A sga-i-web -p tcp -m tcp --dport 22 -j ACCEPT
                        -A sga-i-web -j DROP
                        COMMIT
                        """);
    }

    @Test
    void actionsRender() {
        assertThat(Action.ACCEPT.render()).isEqualTo("-j ACCEPT");
        assertThat(Action.NOTRACK.render()).isEqualTo("-j CT --notrack");
        assertThat(new Action.Jump("sga-X").render()).isEqualTo("-j sga-X");
        assertThat(new Action.Goto("sga-X").render()).isEqualTo("-g sga-X");
        assertThat(Rule.always(Action.DROP).render()).isEqualTo("-j DROP");
        assertThat(Rule.of(Match.Protocol.TCP, Action.DROP).render()).isEqualTo("-p tcp -j DROP");
    }
}
