package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.host;
import static io.sgagent.fixtures.VmFixtures.proto;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.model.HostState;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.IpSet;
import io.sgagent.ruleset.Rule;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.ruleset.TableRules;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Focused checks of the compiled data; the full text is pinned by {@link GoldenFilesTest}. */
class RulesetCompilerTest {
    private final RulesetCompiler compiler = new RulesetCompiler();

    private final HostState host = host(
            aVm("open").nic("vnet1", "02:00:00:00:00:01", List.of("10.99.0.11", "10.99.0.111"),
                            List.of("fd99::11", "fd99::111"))
                    .nic("vnet2", "02:00:00:00:00:02", List.of("10.98.0.11"), List.of())
                    .ingress(all().from(ANY4, ANY6))
                    .build(),
            aVm("closed").nic("vnet3", "02:00:00:00:00:03", List.of("10.99.0.13"), List.of("fd99::13"))
                    .ingress(tcp(22).from(ANY4, ANY6))
                    .build());

    @Test
    void everyAddressOfAnUntrackedVmIsInTheNotrackSetIncludingSecondaryAndLinkLocal() {
        Ruleset ruleset = compiler.compile(host);

        assertThat(set(ruleset, "sga-notrack-ipv4").members())
                .containsExactlyInAnyOrder("10.99.0.11", "10.99.0.111", "10.98.0.11");
        assertThat(set(ruleset, "sga-notrack-ipv6").members())
                .containsExactlyInAnyOrder("fd99::11", "fd99::111", "fe80::ff:fe00:1", "fe80::ff:fe00:2");
        assertThat(set(ruleset, "sga-tracked-ipv4").members()).containsExactly("10.99.0.13");
        assertThat(set(ruleset, "sga-tracked-ipv6").members()).containsExactlyInAnyOrder("fd99::13", "fe80::ff:fe00:3");
    }

    @Test
    void noAddressIsBothTrackedAndUntracked() {
        Ruleset ruleset = compiler.compile(host);
        for (String family : List.of("ipv4", "ipv6")) {
            Set<String> both = new HashSet<>(set(ruleset, "sga-notrack-" + family).members());
            both.retainAll(set(ruleset, "sga-tracked-" + family).members());
            assertThat(both).as(family).isEmpty();
        }
    }

    @Test
    void emptyHostStillHasEmptySetsAndTheSkeleton() {
        Ruleset ruleset = compiler.compile(HostState.EMPTY);
        assertThat(ruleset.sets()).extracting(IpSet::name).containsExactly(
                "sga-notrack-ipv4", "sga-tracked-ipv4", "sga-notrack-ipv6", "sga-tracked-ipv6");
        assertThat(ruleset.sets()).allSatisfy(s -> assertThat(s.members()).isEmpty());
        assertThat(ruleset.ipv4().tables()).extracting(TableRules::table).containsExactly("raw", "filter");
    }

    @Test
    void everyObjectCarriesThePrefixAndEveryJumpTargetIsDeclared() {
        Ruleset ruleset = compiler.compile(host);
        assertThat(ruleset.prefix()).isEqualTo(ChainNames.PREFIX);
        for (FamilyRuleset family : ruleset.families()) {
            for (TableRules table : family.tables()) {
                Set<String> declared = new HashSet<>();
                for (Chain chain : table.chains()) {
                    assertThat(chain.name()).startsWith("sga-");
                    assertThat(declared.add(chain.name())).as("declared once: " + chain.name()).isTrue();
                }
                for (Chain chain : table.chains()) {
                    for (Rule rule : chain.rules()) {
                        String target = target(rule.action());
                        if (target != null) {
                            assertThat(declared).as(family.family() + " " + rule.render()).contains(target);
                        }
                    }
                }
                assertThat(table.hooks()).allSatisfy(h -> assertThat(declared).contains(h.target()));
            }
        }
    }

    @Test
    void filterRulesNeverMatchStateNewAndEstablishedIsTheLastResortBeforeDrop() {
        Ruleset ruleset = compiler.compile(host);
        for (FamilyRuleset family : List.of(ruleset.ipv4(), ruleset.ipv6())) {
            TableRules filter = family.tables().stream().filter(t -> t.table().equals("filter")).findFirst()
                    .orElseThrow();
            for (Chain chain : filter.chains()) {
                List<String> rules = chain.rules().stream().map(Rule::render).toList();
                assertThat(rules).noneMatch(r -> r.contains("NEW"));
                for (int i = 0; i < rules.size(); i++) {
                    if (rules.get(i).contains("--ctstate")) {
                        assertThat(i).as(chain.name() + ": established is second to last").isEqualTo(rules.size() - 2);
                        assertThat(rules.get(rules.size() - 1)).isEqualTo("-j DROP");
                    }
                }
            }
        }
    }

    private static String target(Action action) {
        if (action instanceof Action.Jump jump) {
            return jump.chain();
        }
        if (action instanceof Action.Goto go) {
            return go.chain();
        }
        return null;
    }

    private static IpSet set(Ruleset ruleset, String name) {
        return ruleset.sets().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> rules(FamilyRuleset family, String chain) {
        return family.tables().stream().flatMap(t -> t.chain(chain).stream())
                .flatMap(c -> c.rules().stream()).map(Rule::render).toList();
    }
}
