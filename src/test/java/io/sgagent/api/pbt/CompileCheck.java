package io.sgagent.api.pbt;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.FamilyRuleset;
import io.sgagent.ruleset.IpFamily;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import java.util.Map;

/**
 * The invariant every accepted VM must satisfy: it compiles, and the text that would reach
 * {@code iptables-restore}, {@code ebtables-restore} and {@code ipset restore} is plain printable ASCII whose
 * object names are ours and fit the kernel's limits, so no input can inject a line or a foreign name.
 */
public final class CompileCheck {
    private CompileCheck() {
    }

    public static Ruleset compiles(Vm vm) {
        Ruleset ruleset = new RulesetCompiler().compile(HostState.EMPTY.with(vm));
        for (FamilyRuleset family : ruleset.families()) {
            String text = RestoreRenderer.render(family);
            int maxChain = family.family() == IpFamily.BRIDGE ? 31 : 28;
            for (String line : text.split("\n", -1)) {
                assertPrintable(line);
                if (line.startsWith(":")) {
                    String chain = line.substring(1).split(" ")[0];
                    assertThat(chain).startsWith("sga-");
                    assertThat(chain.length()).as(chain).isLessThanOrEqualTo(maxChain);
                } else if (line.startsWith("-A ")) {
                    assertThat(line.split(" ")[1]).startsWith("sga-");
                }
            }
        }
        String sets = IpsetRenderer.render(ruleset.sets(), Map.of());
        for (String line : sets.split("\n", -1)) {
            assertPrintable(line);
            if (!line.isEmpty()) {
                String set = line.split(" ")[1];
                assertThat(set).startsWith("sga-");
                assertThat(set.length()).as(set).isLessThanOrEqualTo(31);
            }
        }
        return ruleset;
    }

    private static void assertPrintable(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new AssertionError("non-printable character " + (int) c + " in rendered line: "
                        + PropertyCheck.describe(line));
            }
        }
    }
}
