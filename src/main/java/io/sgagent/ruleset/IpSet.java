package io.sgagent.ruleset;

import java.util.SortedSet;
import java.util.TreeSet;

/** An ipset the agent owns, with its complete membership (canonical address text, sorted). */
public record IpSet(String name, String type, IpFamily family, SortedSet<String> members) {
    public IpSet {
        if (name.length() > 31) {
            throw new IllegalArgumentException("set name longer than 31 characters: " + name);
        }
        members = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(members));
    }
}
