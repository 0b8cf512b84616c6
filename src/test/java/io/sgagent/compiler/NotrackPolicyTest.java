package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.icmp;
import static io.sgagent.fixtures.VmFixtures.proto;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static io.sgagent.fixtures.VmFixtures.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.fixtures.RuleBuilder;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * B5, per family: untracked iff ingress has an {@code all} rule whose CIDRs include the family's /0 and the
 * family's egress is open (no egress rule of the family, or an {@code all} rule to the family's /0).
 */
class NotrackPolicyTest {
    private static final RuleBuilder[] NONE = {};

    static Stream<Arguments> table() {
        return Stream.of(
                //   description, ingress, egress, untracked IPv4, untracked IPv6
                row("ingress all from 0/0 and ::/0, no egress rules",
                        rules(all().from(ANY4, ANY6)), NONE, true, true),
                row("ingress all from 0/0 only, no egress rules: IPv6 ingress is not open",
                        rules(all().from(ANY4)), NONE, true, false),
                row("ingress all from ::/0 only, no egress rules",
                        rules(all().from(ANY6)), NONE, false, true),
                row("ingress all from both in two separate rules",
                        rules(all().from(ANY4), all().from(ANY6)), NONE, true, true),
                row("ingress all from both + egress all to both",
                        rules(all().from(ANY4, ANY6)), rules(all().to(ANY4, ANY6)), true, true),
                row("ingress all from both + egress all to 0/0 only (IPv6 egress has no rule: open)",
                        rules(all().from(ANY4, ANY6)), rules(all().to(ANY4)), true, true),
                row("ingress all from both + egress tcp to 0/0: IPv4 egress restricted",
                        rules(all().from(ANY4, ANY6)), rules(tcp(443).to(ANY4)), false, true),
                row("ingress all from both + egress tcp to ::/0: only IPv6 egress restricted",
                        rules(all().from(ANY4, ANY6)), rules(tcp(443).to(ANY6)), true, false),
                row("ingress all from both + egress tcp with mixed CIDRs: both restricted",
                        rules(all().from(ANY4, ANY6)), rules(tcp(443).to("10.0.0.0/8", "2001:db8::/32")),
                        false, false),
                row("ingress all from both + egress all to 10/8: all, but not to everywhere",
                        rules(all().from(ANY4, ANY6)), rules(all().to("10.0.0.0/8")), false, true),
                row("ingress all from both + egress all to 0/0 beside a narrower rule: still open",
                        rules(all().from(ANY4, ANY6)), rules(tcp(22).to("10.0.0.0/8"), all().to(ANY4)),
                        true, true),
                row("ingress all from both + egress udp to ::/0 and all to 0/0",
                        rules(all().from(ANY4, ANY6)), rules(udp(53).to(ANY6), all().to(ANY4)), true, false),
                row("ingress all from 10/8 only",
                        rules(all().from("10.0.0.0/8", "2001:db8::/32")), NONE, false, false),
                row("ingress all from a list that includes 0/0",
                        rules(all().from("10.0.0.0/8", ANY4)), NONE, true, false),
                row("ingress all from two halves of the address space is not the literal /0",
                        rules(all().from("0.0.0.0/1", "128.0.0.0/1")), NONE, false, false),
                row("ingress tcp from everywhere is not all",
                        rules(tcp().from(ANY4, ANY6)), NONE, false, false),
                row("ingress tcp + udp + icmp from everywhere is still not all",
                        rules(tcp().from(ANY4, ANY6), udp().from(ANY4, ANY6), icmp().from(ANY4, ANY6)), NONE,
                        false, false),
                row("ingress protocol number from everywhere is not all",
                        rules(proto(47).from(ANY4, ANY6)), NONE, false, false),
                row("no rules at all: ingress default deny",
                        NONE, NONE, false, false),
                row("egress all to everywhere but ingress restricted (one-way, the other way)",
                        rules(tcp(22).from(ANY4, ANY6)), rules(all().to(ANY4, ANY6)), false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void untrackedPerFamily(String description, RuleBuilder[] ingress, RuleBuilder[] egress,
                            boolean untrackedV4, boolean untrackedV6) {
        Vm vm = aVm("vm").nic("vnet1", "02:00:00:00:00:01", List.of("10.99.0.11"), List.of("fd99::11"))
                .ingress(ingress).egress(egress).build();

        assertThat(NotrackPolicy.untracked(vm, Family.IPV4)).as("IPv4").isEqualTo(untrackedV4);
        assertThat(NotrackPolicy.untracked(vm, Family.IPV6)).as("IPv6").isEqualTo(untrackedV6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void untrackedImpliesOpenEgressAndAllowAllIngress(String description, RuleBuilder[] ingress,
                                                      RuleBuilder[] egress, boolean v4, boolean v6) {
        Vm vm = aVm("vm").nic("vnet1", "02:00:00:00:00:01", List.of("10.99.0.11"), List.of("fd99::11"))
                .ingress(ingress).egress(egress).build();
        for (Family family : Family.values()) {
            assertThat(NotrackPolicy.untracked(vm, family)).isEqualTo(
                    NotrackPolicy.ingressAllowsAll(vm, family) && NotrackPolicy.egressOpen(vm, family));
        }
    }

    private static Arguments row(String description, RuleBuilder[] ingress, RuleBuilder[] egress, boolean v4,
                                 boolean v6) {
        return Arguments.of(description, ingress, egress, v4, v6);
    }

    private static RuleBuilder[] rules(RuleBuilder... rules) {
        return rules;
    }
}
