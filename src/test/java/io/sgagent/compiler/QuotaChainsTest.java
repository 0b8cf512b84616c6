package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.host;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.Rule;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.ruleset.TableRules;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compiled shape of per-VM conntrack quotas (issue 12); kernel behaviour is proven in ConntrackQuotaIT. */
class QuotaChainsTest {
    private static final Vm WEB = aVm("web").nic("vnet1", "02:00:00:00:00:01", List.of("10.9.0.1"), List.of("fd09::1"))
            .ingress(tcp(22).from(ANY4, ANY6)).egress(tcp(443).to(ANY4)).build();
    private static final Vm OPEN = aVm("open").nic("vnet2", "02:00:00:00:00:02", List.of("10.9.0.2"), List.of())
            .ingress(all().from(ANY4)).build();

    static Vm withLimit(Vm vm, Integer limit) {
        return new Vm(vm.name(), vm.vmId(), vm.seq(), vm.nics(), vm.ingress(), vm.egress(), limit);
    }

    @Test
    void noLimitAnywhereCompilesExactlyAsBefore() {
        Ruleset plain = new RulesetCompiler().compile(host(WEB, OPEN));
        assertThat(new RulesetCompiler(0).compile(host(withLimit(WEB, null), OPEN))).isEqualTo(plain);
        assertThat(new RulesetCompiler(500).compile(host(withLimit(WEB, 0), withLimit(OPEN, 0)))).isEqualTo(plain);
        assertThat(chainNames(plain.ipv4())).noneMatch(n -> n.startsWith("sga-q-") || n.equals("sga-QUOTA-FULL"));
    }

    @Test
    void oneCounterRuleIsReachedFromBothPathsForNewConnectionsOnly() {
        Ruleset ruleset = new RulesetCompiler().compile(host(withLimit(WEB, 100), OPEN));
        TableRules filter = filter(ruleset.ipv4());

        Chain counter = filter.chain("sga-q-web").orElseThrow();
        assertThat(counter.rules()).containsExactly(Rule.of("-m conntrack --ctstate NEW -m connlimit "
                + "--connlimit-above 100 --connlimit-mask 0 --connlimit-saddr", new Action.Jump("sga-QUOTA-FULL")));
        assertThat(filter.chain("sga-a-web").orElseThrow().rules())
                .containsExactly(Rule.always(new Action.Jump("sga-q-web")), Rule.always(Action.ACCEPT));
        assertThat(filter.chain("sga-o-web").orElseThrow().rules()).containsExactly(
                Rule.always(new Action.Jump("sga-q-web")), Rule.always(new Action.Goto("sga-EGRESS-OK")));

        // The allow rules go through the quota; replies (ESTABLISHED) and DHCP do not.
        List<Rule> ingress = filter.chain("sga-i-web").orElseThrow().rules();
        assertThat(ingress).contains(Rule.of("-p tcp -m tcp --dport 22", new Action.Goto("sga-a-web")));
        assertThat(ingress).contains(Rule.of("-m conntrack --ctstate RELATED,ESTABLISHED", Action.ACCEPT));
        List<Rule> egress = filter.chain("sga-e-web").orElseThrow().rules();
        assertThat(egress).contains(Rule.of("-p tcp -m tcp --dport 443", new Action.Goto("sga-o-web")));
        assertThat(egress).contains(Rule.of("-p udp -m udp --dport 53", new Action.Goto("sga-o-web")));
        assertThat(egress).contains(Rule.of("-p udp -m udp --sport 68 --dport 67", new Action.Goto("sga-EGRESS-OK")));
        // Nothing but the counter's own rule uses NEW (B5: no allow depends on it).
        assertThat(filter.chains()).flatMap(Chain::rules).filteredOn(r -> r.match().contains("NEW"))
                .containsExactly(counter.rules().get(0));
    }

    @Test
    void refusalsAreRejectedTowardsVmsOfThisHostAndDroppedOtherwise() {
        Ruleset ruleset = new RulesetCompiler().compile(host(withLimit(WEB, 100)));
        assertThat(filter(ruleset.ipv4()).chain("sga-QUOTA-FULL").orElseThrow().rules()).containsExactly(
                Rule.of("-p tcp -m set --match-set sga-tracked-ipv4 src",
                        new Action.Verdict("REJECT --reject-with tcp-reset")),
                Rule.of("-m set --match-set sga-tracked-ipv4 src",
                        new Action.Verdict("REJECT --reject-with icmp-admin-prohibited")),
                Rule.of("-p tcp -m set --match-set sga-notrack-ipv4 src",
                        new Action.Verdict("REJECT --reject-with tcp-reset")),
                Rule.of("-m set --match-set sga-notrack-ipv4 src",
                        new Action.Verdict("REJECT --reject-with icmp-admin-prohibited")),
                Rule.always(Action.DROP));
        assertThat(filter(ruleset.ipv6()).chain("sga-QUOTA-FULL").orElseThrow().rules())
                .contains(Rule.of("-m set --match-set sga-tracked-ipv6 src",
                        new Action.Verdict("REJECT --reject-with icmp6-adm-prohibited")));
    }

    @Test
    void hostDefaultAppliesToVmsWithoutTheirOwnAndNeverToAnUntrackedFamily() {
        Ruleset ruleset = new RulesetCompiler(50).compile(host(WEB, OPEN));
        assertThat(filter(ruleset.ipv4()).chain("sga-q-web").orElseThrow().rules().get(0).match())
                .contains("--connlimit-above 50");
        // OPEN is untracked in IPv4 (allow-all in, egress open): no quota chain there, plain ACCEPT/EGRESS-OK.
        assertThat(filter(ruleset.ipv4()).chain("sga-q-open")).isEmpty();
        assertThat(filter(ruleset.ipv4()).chain("sga-i-open").orElseThrow().rules())
                .noneMatch(r -> r.action().equals(new Action.Goto("sga-a-open")));
        // ... but it is tracked in IPv6 (no IPv6 ingress allow-all), so it has a quota there.
        assertThat(filter(ruleset.ipv6()).chain("sga-q-open")).isPresent();
    }

    @Test
    void quotaChainNamesFitTheKernelLimitForTheLongestVmNames() {
        String longest = "a".repeat(Vm.NAME_MAX);
        for (String name : List.of(ChainNames.quota(longest), ChainNames.quotaAccept(longest),
                ChainNames.quotaOut(longest), ChainNames.quota("a".repeat(22)))) {
            assertThat(name.length()).as(name).isLessThanOrEqualTo(28);
        }
    }

    private static TableRules filter(FamilyRuleset family) {
        return family.tables().stream().filter(t -> t.table().equals("filter")).findFirst().orElseThrow();
    }

    private static List<String> chainNames(FamilyRuleset family) {
        return filter(family).chains().stream().map(Chain::name).toList();
    }
}
