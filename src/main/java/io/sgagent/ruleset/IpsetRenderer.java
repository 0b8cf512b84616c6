package io.sgagent.ruleset;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders one {@code ipset restore} script. Sets are created if missing ({@code -exist}); a set whose
 * membership changes is rebuilt under a temporary name and swapped in, so a packet sees either the old or
 * the new membership, never a set being emptied and refilled.
 */
public final class IpsetRenderer {
    private IpsetRenderer() {
    }

    /**
     * @param sets    the sets we want
     * @param current members per set name as the kernel holds them; a set missing from the map does not exist
     * @return the script, empty if nothing differs
     */
    public static String render(Iterable<IpSet> sets, Map<String, Set<String>> current) {
        StringBuilder out = new StringBuilder();
        for (IpSet set : sets) {
            Set<String> members = current.get(set.name());
            if (members != null && members.equals(set.members())) {
                continue;
            }
            out.append(create(set.name(), set)).append('\n');
            if (members == null && set.members().isEmpty()) {
                continue;
            }
            String temp = temporaryName(set.name());
            out.append(create(temp, set)).append('\n');
            out.append("flush ").append(temp).append('\n');
            for (String member : set.members()) {
                out.append("add ").append(temp).append(' ').append(member).append('\n');
            }
            out.append("swap ").append(temp).append(' ').append(set.name()).append('\n');
            out.append("destroy ").append(temp).append('\n');
        }
        return out.toString();
    }

    /**
     * Incremental membership changes from {@code previous} to {@code desired} (sets known to exist, as the
     * last apply left them): {@code add}/{@code del} of single members, each atomic in the kernel, so the work
     * is proportional to the change, not to the set size. With {@code afterRules} false it renders what must
     * happen before the rules change (every removal, and additions to non-relaxing sets); with true, the
     * additions to relaxing sets, which must wait until the rules that make them safe are in place.
     */
    public static String renderDiff(List<IpSet> previous, List<IpSet> desired, boolean afterRules) {
        Map<String, IpSet> before = new java.util.HashMap<>();
        for (IpSet set : previous) {
            before.put(set.name(), set);
        }
        StringBuilder out = new StringBuilder();
        for (IpSet set : desired) {
            IpSet old = before.get(set.name());
            if (old == set) {
                continue; // the compiler reuses an unchanged set as the same object: nothing to compare
            }
            if (old == null) {
                if (!afterRules) {
                    out.append(create(set.name(), set)).append('\n');
                }
                if (afterRules == set.relaxing()) {
                    set.members().forEach(m -> out.append("add ").append(set.name()).append(' ').append(m)
                            .append(" -exist\n"));
                }
                continue;
            }
            if (!afterRules) {
                for (String member : old.members()) {
                    if (!set.members().contains(member)) {
                        out.append("del ").append(set.name()).append(' ').append(member).append(" -exist\n");
                    }
                }
            }
            if (afterRules == set.relaxing()) {
                for (String member : set.members()) {
                    if (!old.members().contains(member)) {
                        out.append("add ").append(set.name()).append(' ').append(member).append(" -exist\n");
                    }
                }
            }
        }
        return out.toString();
    }

    /** Temporary twin of a set during a swap; same prefix, so a crash mid-swap leaves only our own debris. */
    public static String temporaryName(String name) {
        return name.length() <= 27 ? name + "-tmp" : name.substring(0, 27) + "-tmp";
    }

    private static String create(String name, IpSet set) {
        return "create " + name + " " + set.type() + " family " + set.family().ipsetFamily() + " -exist";
    }
}
