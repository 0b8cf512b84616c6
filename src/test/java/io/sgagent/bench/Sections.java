package io.sgagent.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * docs/benchmarks.md is shared: other benchmarks (e.g. the quota section) add their own {@code ## } sections. The
 * generator rewrites only its own sections and carries every other top-level section of the old file over, at the
 * end, unchanged.
 */
final class Sections {
    /** Every top-level heading this generator may write (a quick run writes fewer; the rest must not linger). */
    static final Set<String> OWN = Set.of("## Machine", "## Issue 11: a real hypervisor", "## Results and targets",
            "## The ruleset", "## Details", "## Where an update's time goes", "## JMH: compiler and diff",
            "## How it measures");

    private Sections() {
    }

    static String keepForeign(String generated, String old) {
        Set<String> ours = new HashSet<>(OWN);
        for (List<String> section : split(generated)) {
            ours.add(section.get(0).strip());
        }
        StringBuilder out = new StringBuilder(generated);
        for (List<String> section : split(old)) {
            String heading = section.get(0).strip();
            if (!heading.startsWith("## ") || ours.contains(heading)) {
                continue;
            }
            if (out.charAt(out.length() - 1) != '\n') {
                out.append('\n');
            }
            out.append('\n');
            String text = String.join("\n", section).strip();
            out.append(text).append('\n');
        }
        return out.toString();
    }

    /** Top-level sections: the lines from one "## " heading (outside code fences) to the next; first: the preamble. */
    private static List<List<String>> split(String text) {
        List<List<String>> sections = new ArrayList<>();
        List<String> current = new ArrayList<>(List.of(""));
        boolean fence = false;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("```")) {
                fence = !fence;
            }
            if (!fence && line.startsWith("## ")) {
                sections.add(current);
                current = new ArrayList<>();
            }
            current.add(line);
        }
        sections.add(current);
        return sections;
    }
}
