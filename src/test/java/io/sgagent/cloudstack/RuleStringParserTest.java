package io.sgagent.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.cloudstack.RuleStringParser.ParsedRules;
import io.sgagent.model.Cidr;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.PortRange;
import io.sgagent.model.Protocol;
import io.sgagent.model.SgRule;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** CloudStack's rule string, as the KVM agent passes it in {@code --rules}, parsed exactly. */
class RuleStringParserTest {

    private static List<String> cidrs(SgRule rule) {
        return rule.cidrs().stream().map(Cidr::toString).toList();
    }

    @Test
    void theExampleOfCloudStackMd() {
        ParsedRules rules = RuleStringParser.parse(
                "I:icmp;-1;-1;0.0.0.0/0,NEXT;I:icmp;128;0;::/0,NEXT;I:tcp;22;22;0.0.0.0/0,::/0,NEXT;"
                        + "E:all;0;0;0.0.0.0/0,NEXT;");
        assertThat(rules.ingress()).hasSize(3);
        assertThat(rules.egress()).hasSize(1);
        SgRule anyIcmp = rules.ingress().get(0);
        assertThat(anyIcmp.protocol()).isEqualTo(Protocol.ICMP);
        assertThat(anyIcmp.icmp()).isEqualTo(IcmpMatch.ANY);
        assertThat(cidrs(anyIcmp)).containsExactly("0.0.0.0/0");
        SgRule echo6 = rules.ingress().get(1);
        assertThat(echo6.icmp()).isEqualTo(new IcmpMatch(128, 0));
        assertThat(cidrs(echo6)).containsExactly("::/0");
        SgRule ssh = rules.ingress().get(2);
        assertThat(ssh.protocol()).isEqualTo(Protocol.TCP);
        assertThat(ssh.ports()).isEqualTo(new PortRange(22, 22));
        assertThat(cidrs(ssh)).containsExactly("0.0.0.0/0", "::/0");
        SgRule out = rules.egress().get(0);
        assertThat(out.protocol()).isEqualTo(Protocol.ALL);
        assertThat(out.isAllowAll(io.sgagent.model.Family.IPV4)).isTrue();
        assertThat(rules.narrowedCidrs()).isZero();
    }

    @Test
    void theFormBeforeTheAgentReplacesSpacesAndAStringEndingInNextAreTheSame() {
        String agent = "I:tcp;22;22;0.0.0.0/0,NEXT;E:udp;53;53;10.0.0.0/8,NEXT;";
        assertThat(RuleStringParser.parse("I:tcp;22;22;0.0.0.0/0,NEXT E:udp;53;53;10.0.0.0/8,NEXT "))
                .isEqualTo(RuleStringParser.parse(agent));
        assertThat(RuleStringParser.parse("I:tcp;22;22;0.0.0.0/0,NEXT;E:udp;53;53;10.0.0.0/8,NEXT"))
                .isEqualTo(RuleStringParser.parse(agent));
    }

    @Test
    void noRulesAtAll() {
        assertThat(RuleStringParser.parse(null)).isEqualTo(ParsedRules.NONE);
        assertThat(RuleStringParser.parse("")).isEqualTo(ParsedRules.NONE);
    }

    @Test
    void ipv6OnlyRules() {
        ParsedRules rules = RuleStringParser.parse("I:tcp;80;443;::/0,NEXT;I:icmp;128;-1;2001:db8::/32,NEXT;"
                + "I:udp;5000;5010;2001:DB8:0:0:0:0:0:7/128,NEXT;E:udp;53;53;2001:db8::53,NEXT;"
                + "E:icmp;-1;-1;::/0,NEXT;");
        assertThat(rules.ingress()).extracting(SgRule::ports).containsExactly(new PortRange(80, 443), null,
                new PortRange(5000, 5010));
        assertThat(rules.ingress().get(1).icmp()).isEqualTo(new IcmpMatch(128, null));
        assertThat(cidrs(rules.ingress().get(2))).as("canonical form").containsExactly("2001:db8::7/128");
        assertThat(cidrs(rules.egress().get(0))).as("a bare address is one host").containsExactly("2001:db8::53/128");
        assertThat(rules.ingress()).allMatch(r -> !r.hasFamily(io.sgagent.model.Family.IPV4));
    }

    @Test
    void aThousandCidrsInOneRuleKeepTheirOrder() {
        StringBuilder text = new StringBuilder("I:tcp;443;443;");
        for (int i = 0; i < 1000; i++) {
            text.append(i % 2 == 0 ? "10." + (i / 256) + "." + (i % 256) + ".0/24"
                    : "2001:db8:" + Integer.toHexString(i) + "::/48").append(',');
        }
        text.append("NEXT;");
        ParsedRules rules = RuleStringParser.parse(text.toString());
        assertThat(rules.ingress()).hasSize(1);
        List<String> parsed = cidrs(rules.ingress().get(0));
        assertThat(parsed).hasSize(1000);
        assertThat(parsed.get(0)).isEqualTo("10.0.0.0/24");
        assertThat(parsed.get(1)).isEqualTo("2001:db8:1::/48");
        assertThat(parsed.get(999)).isEqualTo("2001:db8:3e7::/48");
    }

    @ParameterizedTest
    @CsvSource({
            "all, all", "ALL, all", "0, all", "ip, all", "hopopt, all",
            "tcp, tcp", "6, tcp", "udp, udp", "17, udp", "icmp, icmp", "1, icmp",
            "gre, 47", "47, 47", "esp, 50", "ESP, 50", "ah, 51", "sctp, 132", "ipv6-icmp, 58", "icmpv6, 58",
            "255, 255"})
    void protocolsByNameAndNumber(String given, String expected) {
        SgRule rule = RuleStringParser.parse("I:" + given + ";0;0;10.0.0.0/8,NEXT;").ingress().get(0);
        assertThat(rule.protocol().name()).isEqualTo(expected);
    }

    @Test
    void numberedIcmpMeansEveryTypeAndNumberedTcpKeepsItsPorts() {
        ParsedRules rules = RuleStringParser.parse("I:1;0;0;10.0.0.0/8,NEXT;I:6;22;22;10.0.0.0/8,NEXT;"
                + "I:gre;5;7;10.0.0.0/8,NEXT;");
        assertThat(rules.ingress().get(0).icmp()).as("1;0;0 is not echo-reply only").isEqualTo(IcmpMatch.ANY);
        assertThat(rules.ingress().get(1).ports()).isEqualTo(new PortRange(22, 22));
        assertThat(rules.ingress().get(2).ports()).as("ports of a portless protocol are ignored").isNull();
    }

    @ParameterizedTest
    @CsvSource({"0, 0, 1, 65535", "-1, -1, 1, 65535", "1, 65535, 1, 65535", "0, 1024, 1, 1024", "80, 80, 80, 80",
            "1000, 2000, 1000, 2000"})
    void portRanges(int start, int end, int from, int to) {
        SgRule rule = RuleStringParser.parse("I:udp;" + start + ";" + end + ";0.0.0.0/0,NEXT;").ingress().get(0);
        assertThat(rule.ports()).isEqualTo(new PortRange(from, to));
    }

    @ParameterizedTest
    @CsvSource({"-1, -1, , ", "-1, 5, , ", "8, -1, 8, ", "8, 0, 8, 0", "0, 0, 0, 0", "255, 255, 255, 255"})
    void icmpTypeAndCode(int type, int code, Integer expectedType, Integer expectedCode) {
        SgRule rule = RuleStringParser.parse("E:icmp;" + type + ";" + code + ";0.0.0.0/0,NEXT;").egress().get(0);
        assertThat(rule.icmp()).isEqualTo(new IcmpMatch(expectedType, expectedCode));
    }

    @Test
    void mixedFamiliesStayOneRule() {
        SgRule rule = RuleStringParser.parse("I:tcp;22;22;10.1.0.0/16,2001:db8::/64,192.0.2.1,::1/128,NEXT;")
                .ingress().get(0);
        assertThat(cidrs(rule)).containsExactly("10.1.0.0/16", "2001:db8::/64", "192.0.2.1/32", "::1/128");
    }

    @Test
    void theTrailingEmptyElementIsNormalAndARuleWithoutCidrsAllowsNothing() {
        ParsedRules rules = RuleStringParser.parse("I:tcp;22;22;10.0.0.0/8,NEXT;I:tcp;23;23;NEXT;"
                + "E:tcp;25;25;10.0.0.0/8,10.0.0.0/8,NEXT;");
        assertThat(rules.ingress()).extracting(SgRule::ports).containsExactly(new PortRange(22, 22));
        assertThat(cidrs(rules.egress().get(0))).as("duplicates collapse").containsExactly("10.0.0.0/8");
    }

    @Test
    void hostBitsSetNarrowToTheHostNeverWiden() {
        // CloudStack #14037: an IPv6 security-group member sent as its /64 would open the member's whole subnet.
        ParsedRules rules = RuleStringParser.parse("I:tcp;22;22;fd99::3:10/64,10.1.1.7/24,10.2.0.0/16,NEXT;");
        assertThat(cidrs(rules.ingress().get(0))).containsExactly("fd99::3:10/128", "10.1.1.7/32", "10.2.0.0/16");
        assertThat(rules.narrowedCidrs()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "I:tcp;22;22;0.0.0.0/0,",                        // no NEXT
            "I:tcp;22;22;0.0.0.0/0,NEXT;garbage",             // text after the last NEXT
            "I:tcp;22;22;0.0.0.0/0,NEXTX",                    // NEXT not followed by a separator
            "X:tcp;22;22;0.0.0.0/0,NEXT;",                    // neither I: nor E:
            "tcp;22;22;0.0.0.0/0,NEXT;",                      // no direction
            "I:tcp;22;0.0.0.0/0,NEXT;",                       // a field missing
            "I:tcp;22;22;0.0.0.0/0;x,NEXT;",                  // a field too many
            "I:tcp;a;22;0.0.0.0/0,NEXT;",                     // not a number
            "I:tcp;22;70000;0.0.0.0/0,NEXT;",                 // port out of range
            "I:tcp;30;20;0.0.0.0/0,NEXT;",                    // start above end
            "I:icmp;300;0;0.0.0.0/0,NEXT;",                   // icmp type out of range
            "I:tcp;22;22;10.0.0.0/8,,10.1.0.0/16,NEXT;",      // an empty element inside the list
            "I:tcp;22;22;,NEXT;",                             // an empty element before the trailing one
            "I:tcp;22;22;10.0.0.256/8,NEXT;",                 // not an address
            "I:tcp;22;22;10.0.0.0/33,NEXT;",                  // prefix too long
            "I:tcp;22;22;10.0.0.0/255.0.0.0,NEXT;",           // a mask
            "I:bogus;0;0;10.0.0.0/8,NEXT;",                   // unknown protocol
            "I:256;0;0;10.0.0.0/8,NEXT;",                     // protocol number out of range
            "I:;0;0;10.0.0.0/8,NEXT;"})                       // no protocol
    void anythingElseRefusesTheWholeString(String text) {
        assertThatThrownBy(() -> RuleStringParser.parse("I:tcp;80;80;0.0.0.0/0,NEXT;" + text))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).violations())
                        .isNotEmpty()
                        .allSatisfy(v -> assertThat(v.field()).matches("rules\\[[12]\\]")));
    }

    @Test
    void everyBadRuleIsNamed() {
        assertThatThrownBy(() -> RuleStringParser.parse("I:tcp;x;22;0.0.0.0/0,NEXT;I:tcp;22;22;0.0.0.0/0,NEXT;"
                + "E:udp;1;2;bad,NEXT;"))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).violations())
                        .extracting(InvalidInputException.Violation::field).containsExactly("rules[0]", "rules[2]"));
    }
}
