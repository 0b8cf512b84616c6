package io.sgagent.model;

import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.icmp;
import static io.sgagent.fixtures.VmFixtures.proto;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static io.sgagent.fixtures.VmFixtures.udp;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one normalised form the API answers with and the state document stores. */
class NormalisedRuleTest {
    @Test
    void portsAreSpelledOutIcmpAnyIsMinusOneOthersCarryNeither() {
        assertThat(NormalisedRule.of(tcp(22).from("10.0.0.0/8").build()))
                .isEqualTo(new NormalisedRule("tcp", 22, 22, null, null, List.of("10.0.0.0/8")));
        assertThat(NormalisedRule.of(udp().from("::/0").build()))
                .isEqualTo(new NormalisedRule("udp", 1, 65535, null, null, List.of("::/0")));
        assertThat(NormalisedRule.of(icmp().from("0.0.0.0/0").build()))
                .isEqualTo(new NormalisedRule("icmp", null, null, -1, -1, List.of("0.0.0.0/0")));
        assertThat(NormalisedRule.of(icmp(8).from("0.0.0.0/0").build()))
                .isEqualTo(new NormalisedRule("icmp", null, null, 8, -1, List.of("0.0.0.0/0")));
        assertThat(NormalisedRule.of(all().from("0.0.0.0/0").build()))
                .isEqualTo(new NormalisedRule("all", null, null, null, null, List.of("0.0.0.0/0")));
        assertThat(NormalisedRule.of(proto(6).from("10.0.0.1").build()).protocol()).isEqualTo("tcp");
        assertThat(NormalisedRule.of(tcp(22).from("10.0.0.1").build()).cidrs()).containsExactly("10.0.0.1/32");
    }
}
