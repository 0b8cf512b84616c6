package io.sgagent.ruleset;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One rule: typed matches, an action, and its origin: what produced it, e.g. {@code web ingress[3]} (VM,
 * direction, index of the security-group rule) or {@code dhcp-server-reply} (the fixed policy it implements).
 * An empty match list matches every packet.
 *
 * <p>A rule with an origin renders with the comment {@code sga:<hash> <origin>}, the hash being a digest of the
 * rule's own rendering and origin. A kernel line then leads back to the code in one hop, and drift detection
 * can compare the hashes the kernel returns instead of normalised rule text. The bridge family cannot carry
 * comments (ebtables-nft 1.8.9 has no comment match), so its rules have no origin; their hash is the digest of
 * their text, which is also what {@link KernelTable#chainHashes()} computes for a kernel line without a comment.
 */
public record Rule(List<Match> matches, Action action, String origin) {
    /** The comment prefix; what follows it up to the first space is the hash. */
    public static final String COMMENT_PREFIX = "sga:";
    private static final int HASH_HEX_DIGITS = 12;
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final Pattern COMMENT = Pattern.compile("-m comment --comment \"" + COMMENT_PREFIX + "([0-9a-f]+)");

    /** The characters an origin may have ({@code [A-Za-z0-9_.:/\[\] +-]}, 1 to 200 of them). */
    private static final int ORIGIN_MAX = 200;
    private static final String ORIGIN_PUNCTUATION = "_.:/[] +-";

    public Rule {
        Objects.requireNonNull(action, "action");
        matches = byRank(matches);
        if (origin != null && !usableOrigin(origin)) {
            // Quotes, backslashes and newlines would change how iptables-save quotes the comment.
            throw new IllegalArgumentException("origin not usable in a comment: " + origin);
        }
    }

    /**
     * The matches in rank order. Stable: modules keep the order they were given, which is the order the save tools
     * print them. The compiler mostly builds them in order already; then the list is only copied (a cold 1000-VM
     * compile makes ~140k rules, and a stream sort per rule was a visible share of it).
     */
    private static List<Match> byRank(List<Match> matches) {
        for (int i = 1; i < matches.size(); i++) {
            if (matches.get(i - 1).rank() > matches.get(i).rank()) {
                List<Match> sorted = new ArrayList<>(matches);
                sorted.sort(Comparator.comparingInt(Match::rank));
                return List.copyOf(sorted);
            }
        }
        return List.copyOf(matches);
    }

    /** A character loop rather than a regex: every compiled rule is checked. */
    private static boolean usableOrigin(String origin) {
        if (origin.isEmpty() || origin.length() > ORIGIN_MAX) {
            return false;
        }
        for (int i = 0; i < origin.length(); i++) {
            char c = origin.charAt(i);
            boolean usable = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || ORIGIN_PUNCTUATION.indexOf(c) >= 0;
            if (!usable) {
                return false;
            }
        }
        return true;
    }

    public static Rule of(List<Match> matches, Action action) {
        return new Rule(matches, action, null);
    }

    public static Rule of(Match match, Action action) {
        return new Rule(List.of(match), action, null);
    }

    public static Rule always(Action action) {
        return new Rule(List.of(), action, null);
    }

    /** This rule with an origin (see the class comment). */
    public Rule from(String newOrigin) {
        return new Rule(matches, action, newOrigin);
    }

    /** The matches in save syntax, without comment; empty for a rule that matches everything. */
    public String match() {
        return matches.stream().map(Match::render).collect(Collectors.joining(" "));
    }

    /**
     * The rule as it follows {@code -A <chain> } in restore/save syntax. The comment comes first among the match
     * modules (after addresses and protocol, which the save tools always print first), so the conditions and
     * the action stay together at the end of the line.
     */
    public String render() {
        // Each match is rendered once: the same text feeds the comment's hash and the line.
        List<String> rendered = new ArrayList<>(matches.size());
        for (Match match : matches) {
            rendered.add(match.render());
        }
        String actionText = action.render();
        if (origin == null) {
            rendered.add(actionText);
            return String.join(" ", rendered);
        }
        String comment = "-m comment --comment \"" + COMMENT_PREFIX + hash(String.join(" ", rendered), actionText)
                + " " + origin + "\"";
        List<String> parts = new ArrayList<>(rendered.size() + 2);
        boolean commented = false;
        for (int i = 0; i < matches.size(); i++) {
            if (!commented && matches.get(i).rank() == Match.MODULE) {
                parts.add(comment);
                commented = true;
            }
            parts.add(rendered.get(i));
        }
        if (!commented) {
            parts.add(comment);
        }
        parts.add(actionText);
        return String.join(" ", parts);
    }

    /** Short digest of what this rule is: its matches, action and origin. */
    public String hash() {
        return hash(match(), action.render());
    }

    private String hash(String matchText, String actionText) {
        String body = matchText.isEmpty() ? actionText : matchText + " " + actionText;
        return digest(origin == null ? body : body + "\n" + origin);
    }

    /**
     * The hash of a rule as the kernel lists it (the text after {@code -A <chain> }): the one in its
     * {@code sga:} comment, or for a rule without one the digest of its text. Equal to {@link #hash()} of the rule
     * that was written.
     */
    public static String hashOfListed(String listed) {
        Matcher matcher = COMMENT.matcher(listed);
        return matcher.find() ? matcher.group(1) : digest(listed.strip());
    }

    /**
     * FNV-1a (64 bit) of the text's UTF-8 bytes, as its first 12 hex digits. The hash only names a rule's content
     * so that drift detection can compare the kernel's listing with the compiled chain; it is no protection against
     * someone who can change the rules (they can rewrite the comment too), so it need not be cryptographic. It must
     * be cheap: every rendered rule and every drift check hashes, ~140k rules at 1000 VMs, and SHA-256 has no
     * intrinsic under the shipped C1-only JIT (150-200 ms for 140k rules there, FNV-1a 30-75 ms).
     */
    static String digest(String text) {
        long hash = FNV_OFFSET;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= FNV_PRIME;
        }
        return HexFormat.of().toHexDigits(hash).substring(0, HASH_HEX_DIGITS);
    }
}
