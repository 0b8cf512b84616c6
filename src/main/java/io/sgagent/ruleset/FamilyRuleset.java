package io.sgagent.ruleset;

import java.util.List;

/** Everything one restore transaction writes: our tables of one family, in restore order. */
public record FamilyRuleset(IpFamily family, List<TableRules> tables) {
    public FamilyRuleset {
        tables = List.copyOf(tables);
    }
}
