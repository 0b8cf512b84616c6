package io.sgagent.ruleset;

import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An ipset the agent owns, with its complete membership (canonical address text, sorted).
 *
 * @param relaxing adding a member relaxes what the rules enforce (the notrack set: members skip conntrack), so
 *                 an incremental apply adds members only after the new rules are in place and removes them
 *                 before; for other sets the order does not matter
 */
public record IpSet(String name, String type, IpFamily family, SortedSet<String> members, boolean relaxing) {
    public IpSet(String name, String type, IpFamily family, SortedSet<String> members) {
        this(name, type, family, members, false);
    }

    public IpSet {
        if (name.length() > 31) {
            throw new IllegalArgumentException("set name longer than 31 characters: " + name);
        }
        members = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(members));
    }
}
