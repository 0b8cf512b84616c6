package io.sgagent.container;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Save-syntax text ({@code iptables-save}, {@code ip6tables-save}, {@code ebtables-nft-save}, and the sections of
 * {@code GET /api/v1/vms/{name}/ruleset}) as tables of chains: which chains a table declares ({@code :name ...})
 * and the rule lines ({@code -A name ...}) of each chain in order.
 */
record SaveText(Map<String, Table> tables) {

    record Table(Set<String> declared, Map<String, List<String>> rules) {
        List<String> rules(String chain) {
            return rules.getOrDefault(chain, List.of());
        }
    }

    static SaveText parse(String text) {
        Map<String, Table> tables = new LinkedHashMap<>();
        Table current = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("*")) {
                current = tables.computeIfAbsent(line.substring(1),
                        t -> new Table(new LinkedHashSet<>(), new LinkedHashMap<>()));
            } else if (line.equals("COMMIT")) {
                current = null;
            } else if (current != null && line.startsWith(":")) {
                current.declared().add(line.substring(1).split(" ", 2)[0]);
            } else if (current != null && line.startsWith("-A ")) {
                String chain = line.substring(3).split(" ", 2)[0];
                current.rules().computeIfAbsent(chain, c -> new ArrayList<>()).add(line);
            } else {
                throw new IllegalArgumentException("unexpected save line: " + raw);
            }
        }
        return new SaveText(tables);
    }

    Table table(String name) {
        return tables.getOrDefault(name, new Table(Set.of(), Map.of()));
    }

    /**
     * The sections of a VM ruleset view, keyed by the start of their heading: {@code "IPv4"}, {@code "IPv6"},
     * {@code "bridge"}, {@code "ipsets"}.
     */
    static Map<String, String> viewSections(String view) {
        Map<String, StringBuilder> sections = new LinkedHashMap<>();
        StringBuilder current = null;
        for (String line : view.split("\n")) {
            if (line.startsWith("# IPv4")) {
                current = sections.computeIfAbsent("IPv4", k -> new StringBuilder());
            } else if (line.startsWith("# IPv6")) {
                current = sections.computeIfAbsent("IPv6", k -> new StringBuilder());
            } else if (line.startsWith("# bridge")) {
                current = sections.computeIfAbsent("bridge", k -> new StringBuilder());
            } else if (line.startsWith("# ipsets")) {
                current = sections.computeIfAbsent("ipsets", k -> new StringBuilder());
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        sections.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    /** {@code add <set> <member>} lines ({@code ipset save}, the view's ipsets section) as set -> members. */
    static Map<String, Set<String>> setMembers(String text) {
        Map<String, Set<String>> sets = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 2 && f[0].equals("create")) {
                sets.computeIfAbsent(f[1], s -> new LinkedHashSet<>());
            } else if (f.length >= 3 && f[0].equals("add")) {
                sets.computeIfAbsent(f[1], s -> new LinkedHashSet<>()).add(f[2]);
            }
        }
        return sets;
    }
}
