package io.sgagent.netfilter;

import io.sgagent.ruleset.KernelTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code iptables-save}/{@code ip6tables-save}/{@code ebtables-save} output and keeps only what is ours:
 * chains with our prefix (with their rules) and the positions of our jumps in built-in chains. Everything
 * else is skipped, so other programs' rules are never parsed, let alone rewritten.
 */
final class SaveParser {
    private SaveParser() {
    }

    static Map<String, KernelTable> parse(String save, String prefix) {
        Map<String, KernelTable> tables = new HashMap<>();
        String table = null;
        Set<String> own = new HashSet<>();
        Map<String, List<KernelTable.BuiltinJump>> hooks = new HashMap<>();
        Map<String, Integer> builtinCount = new HashMap<>();
        Map<String, List<String>> rules = new LinkedHashMap<>();
        for (String raw : save.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("*")) {
                if (table != null) {
                    // ebtables-save ends a table without COMMIT
                    tables.put(table, new KernelTable(table, own, hooks, rules));
                }
                table = line.substring(1);
                own = new HashSet<>();
                hooks = new HashMap<>();
                builtinCount = new HashMap<>();
                rules = new LinkedHashMap<>();
            } else if (line.equals("COMMIT") && table != null) {
                tables.put(table, new KernelTable(table, own, hooks, rules));
                table = null;
            } else if (line.startsWith(":") && table != null) {
                String chain = line.substring(1).split("\\s+")[0];
                if (chain.startsWith(prefix)) {
                    own.add(chain);
                    rules.put(chain, new ArrayList<>());
                }
            } else if (line.startsWith("-A ") && table != null) {
                String[] parts = line.split("\\s+", 3);
                String chain = parts[1];
                if (chain.startsWith(prefix)) {
                    rules.computeIfAbsent(chain, c -> new ArrayList<>()).add(line);
                } else {
                    int position = builtinCount.merge(chain, 1, Integer::sum);
                    String rest = parts.length > 2 ? parts[2] : "";
                    if (rest.matches("-j " + java.util.regex.Pattern.quote(prefix) + "\\S+")) {
                        hooks.computeIfAbsent(chain, c -> new ArrayList<>())
                                .add(new KernelTable.BuiltinJump(position, rest.substring(3)));
                    }
                }
            }
        }
        if (table != null) {
            tables.put(table, new KernelTable(table, own, hooks, rules));
        }
        return tables;
    }

    /** Parses {@code ipset save} output: members per set, for our sets only. */
    static Map<String, Set<String>> parseIpsets(String save, String prefix) {
        Map<String, Set<String>> sets = new HashMap<>();
        for (String raw : save.split("\n")) {
            String[] parts = raw.strip().split("\\s+");
            if (parts.length >= 2 && parts[1].startsWith(prefix)) {
                if (parts[0].equals("create")) {
                    sets.computeIfAbsent(parts[1], s -> new HashSet<>());
                } else if (parts[0].equals("add") && parts.length >= 3) {
                    sets.computeIfAbsent(parts[1], s -> new HashSet<>()).add(parts[2]);
                }
            }
        }
        return sets;
    }
}
