package io.sgagent.ruleset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The incremental transaction touches only what changed, and orders notrack additions after the rules. */
class IncrementalRenderTest {
    private static FamilyRuleset family(Chain... chains) {
        return new FamilyRuleset(IpFamily.IPV4, List.of(new TableRules("filter", List.of(chains),
                List.of(new HookJump("FORWARD", "sga-FORWARD")))));
    }

    /** A chain of ACCEPT rules, one per protocol name. */
    private static Chain chain(String name, String... protocols) {
        return new Chain(name, java.util.Arrays.stream(protocols)
                .map(p -> Rule.of(new Match.Protocol(p), Action.ACCEPT)).toList());
    }

    @Test
    void onlyChangedNewAndObsoleteChainsAppear() {
        FamilyRuleset before = family(chain("sga-FORWARD", "47"), chain("sga-i-a", "tcp"),
                chain("sga-i-b", "udp"));
        FamilyRuleset after = family(chain("sga-FORWARD", "47"), chain("sga-i-a", "tcp", "udp"),
                chain("sga-i-c", "icmp"));
        assertThat(RestoreRenderer.renderDiff(before, after)).isEqualTo("""
                *filter
                :sga-i-c - [0:0]
                -A sga-i-c -p icmp -j ACCEPT
                :sga-i-b - [0:0]
                :sga-i-a - [0:0]
                -A sga-i-a -p tcp -j ACCEPT
                -A sga-i-a -p udp -j ACCEPT
                -X sga-i-b
                COMMIT
                """);
        assertThat(RestoreRenderer.renderDiff(after, after)).isEmpty();
    }

    @Test
    void setMembersChangeOneByOneAndNotrackAdditionsWaitForTheRules() {
        IpSet notrackBefore = new IpSet("sga-notrack-ipv4", "hash:ip", IpFamily.IPV4,
                new TreeSet<>(List.of("10.0.0.1")), true);
        IpSet notrackAfter = new IpSet("sga-notrack-ipv4", "hash:ip", IpFamily.IPV4,
                new TreeSet<>(List.of("10.0.0.2")), true);
        IpSet trackedBefore = new IpSet("sga-tracked-ipv4", "hash:ip", IpFamily.IPV4,
                new TreeSet<>(List.of("10.0.0.2")));
        IpSet trackedAfter = new IpSet("sga-tracked-ipv4", "hash:ip", IpFamily.IPV4,
                new TreeSet<>(List.of("10.0.0.1")));
        List<IpSet> before = List.of(notrackBefore, trackedBefore);
        List<IpSet> after = List.of(notrackAfter, trackedAfter);
        assertThat(IpsetRenderer.renderDiff(before, after, false)).isEqualTo("""
                del sga-notrack-ipv4 10.0.0.1 -exist
                del sga-tracked-ipv4 10.0.0.2 -exist
                add sga-tracked-ipv4 10.0.0.1 -exist
                """);
        assertThat(IpsetRenderer.renderDiff(before, after, true)).isEqualTo("""
                add sga-notrack-ipv4 10.0.0.2 -exist
                """);
        assertThat(IpsetRenderer.renderDiff(after, after, false) + IpsetRenderer.renderDiff(after, after, true))
                .isEmpty();
    }
}
