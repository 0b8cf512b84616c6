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
        assertThat(texts(counter)).containsExactly("-m conntrack --ctstate NEW -m connlimit --connlimit-above 100 "
                + "--connlimit-mask 0 --connlimit-saddr -j sga-QUOTA-FULL");
        assertThat(texts(filter.chain("sga-a-web").orElseThrow())).containsExactly("-j sga-q-web", "-j ACCEPT");
        assertThat(texts(filter.chain("sga-o-web").orElseThrow())).containsExactly("-j sga-q-web", "-g sga-EGRESS-OK");
        // Every quota rule says where it came from.
        for (String chain : List.of("sga-q-web", "sga-a-web", "sga-o-web")) {
            assertThat(filter.chain(chain).orElseThrow().rules()).extracting(Rule::origin)
                    .containsOnly("web conntrack-quota");
        }

        // The allow rules go through the quota; replies (ESTABLISHED) and DHCP do not.
        List<String> ingress = texts(filter.chain("sga-i-web").orElseThrow());
        assertThat(ingress).contains("-p tcp -m tcp --dport 22 -g sga-a-web",
                "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-p udp -m multiport --sports 67 -m multiport --dports 68 -j ACCEPT");
        List<String> egress = texts(filter.chain("sga-e-web").orElseThrow());
        assertThat(egress).contains("-p tcp -m tcp --dport 443 -g sga-o-web",
                "-p udp -m multiport --dports 53 -g sga-o-web", "-p tcp -m tcp --dport 53 -g sga-o-web",
                "-p udp -m multiport --sports 68 -m multiport --dports 67 -g sga-EGRESS-OK",
                "-m conntrack --ctstate RELATED,ESTABLISHED -g sga-EGRESS-OK");
        // Nothing but the counter's own rule uses NEW (B5: no allow depends on it).
        assertThat(filter.chains()).flatMap(Chain::rules).filteredOn(r -> r.match().contains("NEW"))
                .containsExactly(counter.rules().get(0));
    }

    @Test
    void neighbourDiscoveryAndMldAreNotCountedInIpv6() {
        TableRules filter = filter(new RulesetCompiler().compile(host(withLimit(WEB, 100))).ipv6());
        List<String> egress = texts(filter.chain("sga-e-web").orElseThrow());
        for (int type : new int[] {133, 135, 136, 130, 131, 132, 143}) {
            assertThat(egress).contains("-p ipv6-icmp -m icmp6 --icmpv6-type " + type + " -g sga-EGRESS-OK");
        }
        List<String> ingress = texts(filter.chain("sga-i-web").orElseThrow());
        assertThat(ingress).contains("-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT",
                "-p ipv6-icmp -m icmp6 --icmpv6-type 136 -j ACCEPT", "-p tcp -m tcp --dport 22 -g sga-a-web");
    }

    @Test
    void refusalsAreRejectedTowardsVmsOfThisHostAndDroppedOtherwise() {
        Ruleset ruleset = new RulesetCompiler().compile(host(withLimit(WEB, 100)));
        Chain full4 = filter(ruleset.ipv4()).chain("sga-QUOTA-FULL").orElseThrow();
        assertThat(texts(full4)).containsExactly(
                "-p tcp -m set --match-set sga-tracked-ipv4 src -j REJECT --reject-with tcp-reset",
                "-m set --match-set sga-tracked-ipv4 src -j REJECT --reject-with icmp-admin-prohibited",
                "-p tcp -m set --match-set sga-notrack-ipv4 src -j REJECT --reject-with tcp-reset",
                "-m set --match-set sga-notrack-ipv4 src -j REJECT --reject-with icmp-admin-prohibited",
                "-j DROP");
        assertThat(full4.rules()).extracting(Rule::origin).containsOnly("conntrack-quota-full");
        assertThat(texts(filter(ruleset.ipv6()).chain("sga-QUOTA-FULL").orElseThrow()))
                .contains("-m set --match-set sga-tracked-ipv6 src -j REJECT --reject-with icmp6-adm-prohibited");
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

    /** A rule's conditions and action as iptables-save prints them, without its comment. */
    private static List<String> texts(Chain chain) {
        return chain.rules().stream()
                .map(r -> r.match().isEmpty() ? r.action().render() : r.match() + " " + r.action().render()).toList();
    }

    private static List<String> chainNames(FamilyRuleset family) {
        return filter(family).chains().stream().map(Chain::name).toList();
    }
}
