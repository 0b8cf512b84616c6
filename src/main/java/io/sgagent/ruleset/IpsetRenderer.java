package io.sgagent.ruleset;

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

    /** Temporary twin of a set during a swap; same prefix, so a crash mid-swap leaves only our own debris. */
    public static String temporaryName(String name) {
        return name.length() <= 27 ? name + "-tmp" : name.substring(0, 27) + "-tmp";
    }

    private static String create(String name, IpSet set) {
        return "create " + name + " " + set.type() + " family " + set.family().ipsetFamily() + " -exist";
    }
}
