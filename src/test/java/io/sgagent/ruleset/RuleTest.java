package io.sgagent.ruleset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a rule accepts as its origin (it ends up inside a kernel comment) and how it orders its matches. */
class RuleTest {
    @ParameterizedTest
    @ValueSource(strings = {"web ingress[3]", "dhcp-server-reply", "a", "notrack from-untracked", "x_y.z:1/2+3",
        "AZaz09"})
    void originsOfLettersDigitsAndTheCommentSafePunctuationAreAccepted(String origin) {
        Rule rule = new Rule(List.of(), Action.ACCEPT, origin);

        assertThat(rule.origin()).isEqualTo(origin);
        assertThat(rule.render()).endsWith(" " + origin + "\" -j ACCEPT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "say \"hi\"", "back\\slash", "new\nline", "tab\there", "semi;colon", "ümlaut",
        "dollar$", "comma,"})
    void originsThatWouldChangeHowTheCommentIsQuotedAreRefused(String origin) {
        assertThatThrownBy(() -> new Rule(List.of(), Action.ACCEPT, origin))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("origin not usable");
    }

    @Test
    void anOriginOf200CharactersIsTheLongestAccepted() {
        assertThat(new Rule(List.of(), Action.ACCEPT, "a".repeat(200)).origin()).hasSize(200);
        assertThatThrownBy(() -> new Rule(List.of(), Action.ACCEPT, "a".repeat(201)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void matchesAreOrderedByRankAndModulesKeepTheirOrder() {
        Match established = new Match.Established();
        Match inSet = new Match.InSet("sga-x", true);
        Match source = new Match.Source("10.0.0.0/8");
        Match protocol = Match.Protocol.TCP;

        Rule rule = Rule.of(List.of(established, source, inSet, protocol), Action.ACCEPT);

        assertThat(rule.matches()).containsExactly(source, protocol, established, inSet);
        assertThat(Rule.of(List.of(source, protocol, inSet, established), Action.ACCEPT).matches())
                .containsExactly(source, protocol, inSet, established);
    }

    @Test
    void theMatchesCannotBeChangedThroughTheListTheRuleWasGiven() {
        java.util.ArrayList<Match> given = new java.util.ArrayList<>(List.of(new Match.Source("10.0.0.0/8")));
        Rule rule = Rule.of(given, Action.ACCEPT);
        given.add(Match.Protocol.TCP);

        assertThat(rule.matches()).hasSize(1);
    }
}
