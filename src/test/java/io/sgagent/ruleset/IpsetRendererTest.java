package io.sgagent.ruleset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class IpsetRendererTest {
    private static IpSet v4(String name, String... members) {
        return new IpSet(name, "hash:ip", IpFamily.IPV4, new TreeSet<>(List.of(members)));
    }

    @Test
    void unchangedSetGivesAnEmptyScript() {
        IpSet set = v4("sga-notrack-ipv4", "10.0.0.2", "10.0.0.1");
        assertThat(IpsetRenderer.render(List.of(set), Map.of("sga-notrack-ipv4", Set.of("10.0.0.1", "10.0.0.2"))))
                .isEmpty();
    }

    @Test
    void changedSetIsRebuiltUnderATemporaryNameAndSwappedIn() {
        IpSet set = v4("sga-notrack-ipv4", "10.0.0.1", "10.0.0.3");
        assertThat(IpsetRenderer.render(List.of(set), Map.of("sga-notrack-ipv4", Set.of("10.0.0.1", "10.0.0.2"))))
                .isEqualTo("""
                        create sga-notrack-ipv4 hash:ip family inet -exist
                        create sga-notrack-ipv4-tmp hash:ip family inet -exist
                        flush sga-notrack-ipv4-tmp
                        add sga-notrack-ipv4-tmp 10.0.0.1
                        add sga-notrack-ipv4-tmp 10.0.0.3
                        swap sga-notrack-ipv4-tmp sga-notrack-ipv4
                        destroy sga-notrack-ipv4-tmp
                        """);
    }

    @Test
    void setBecomingEmptyIsSwappedWithAnEmptyTwin() {
        IpSet set = v4("sga-notrack-ipv4");
        assertThat(IpsetRenderer.render(List.of(set), Map.of("sga-notrack-ipv4", Set.of("10.0.0.1"))))
                .isEqualTo("""
                        create sga-notrack-ipv4 hash:ip family inet -exist
                        create sga-notrack-ipv4-tmp hash:ip family inet -exist
                        flush sga-notrack-ipv4-tmp
                        swap sga-notrack-ipv4-tmp sga-notrack-ipv4
                        destroy sga-notrack-ipv4-tmp
                        """);
    }

    @Test
    void missingEmptySetIsOnlyCreated() {
        assertThat(IpsetRenderer.render(List.of(v4("sga-tracked-ipv4")), Map.of()))
                .isEqualTo("create sga-tracked-ipv4 hash:ip family inet -exist\n");
    }

    @Test
    void missingSetWithMembersIsCreatedAndFilledBySwap() {
        IpSet set = new IpSet("sga-notrack-ipv6", "hash:ip", IpFamily.IPV6, new TreeSet<>(List.of("fd99::11")));
        assertThat(IpsetRenderer.render(List.of(set), Map.of())).isEqualTo("""
                create sga-notrack-ipv6 hash:ip family inet6 -exist
                create sga-notrack-ipv6-tmp hash:ip family inet6 -exist
                flush sga-notrack-ipv6-tmp
                add sga-notrack-ipv6-tmp fd99::11
                swap sga-notrack-ipv6-tmp sga-notrack-ipv6
                destroy sga-notrack-ipv6-tmp
                """);
    }

    @Test
    void onlyChangedSetsAppear() {
        List<IpSet> sets = List.of(v4("sga-notrack-ipv4", "10.0.0.1"), v4("sga-tracked-ipv4", "10.0.0.2"));
        String script = IpsetRenderer.render(sets,
                Map.of("sga-notrack-ipv4", Set.of("10.0.0.1"), "sga-tracked-ipv4", Set.of()));
        assertThat(script).doesNotContain("sga-notrack-ipv4").contains("add sga-tracked-ipv4-tmp 10.0.0.2");
    }

    @Test
    void temporaryNamesFitAndKeepThePrefix() {
        assertThat(IpsetRenderer.temporaryName("sga-notrack-ipv4")).isEqualTo("sga-notrack-ipv4-tmp");
        String longest = "sga-" + "x".repeat(27);
        assertThat(longest).hasSize(31);
        assertThat(IpsetRenderer.temporaryName(longest)).hasSize(31).startsWith("sga-").endsWith("-tmp");
    }

    @Test
    void setsRejectNamesTheKernelWouldRefuse() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> v4("sga-" + "x".repeat(28)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
