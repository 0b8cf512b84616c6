package io.sgagent.ruleset;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Renders a {@link FamilyRuleset} as one {@code *-restore --noflush} transaction.
 *
 * <p>The transaction declares every chain we want (declaring an existing chain flushes it), fills it (in the order
 * {@link #writeChains} explains), fixes our jump in each built-in chain, then flushes and deletes our chains that
 * are no longer wanted. The kernel applies the whole text or nothing, so no packet ever sees a half-written or
 * empty VM chain (B9). Chains and rules that are not ours are never named, so they are never touched (B8).
 */
public final class RestoreRenderer {
    private RestoreRenderer() {
    }

    /** The transaction for a kernel that holds none of our objects (used by golden files and the API view). */
    public static String render(FamilyRuleset ruleset) {
        return render(ruleset, ruleset.tables().stream()
                .collect(Collectors.toMap(TableRules::table, t -> KernelTable.empty(t.table()))));
    }

    public static String render(FamilyRuleset ruleset, Map<String, KernelTable> current) {
        return script(ruleset, current).text();
    }

    /** The transaction that makes a kernel holding {@code current} hold {@code ruleset}, written when asked. */
    public static Script script(FamilyRuleset ruleset, Map<String, KernelTable> current) {
        return new Script(false, out -> writeFull(out, ruleset, current));
    }

    private static void writeFull(Script.Sink out, FamilyRuleset ruleset, Map<String, KernelTable> current) {
        boolean bridge = ruleset.family() == IpFamily.BRIDGE;
        for (TableRules table : ruleset.tables()) {
            KernelTable kernel = current.getOrDefault(table.table(), KernelTable.empty(table.table()));
            Set<String> wanted = table.chains().stream().map(Chain::name).collect(Collectors.toSet());
            Set<String> obsolete = new TreeSet<>(kernel.ownChains());
            obsolete.removeAll(wanted);

            out.append('*').append(table.table()).append('\n');
            writeChains(out, table.chains(), obsolete, bridge);
            for (HookJump hook : table.hooks()) {
                if (!kernel.hookInPlace(hook)) {
                    // Remove every jump of ours from the built-in chain (misplaced, duplicated, or to a chain of
                    // an older layout that is about to be deleted), then put the one hook first.
                    for (KernelTable.BuiltinJump jump : kernel.jumpsIn(hook.builtinChain())) {
                        out.append("-D ").append(hook.builtinChain()).append(" -j ").append(jump.target())
                                .append('\n');
                    }
                    out.append("-I ").append(hook.builtinChain()).append(" 1 ").append(hook.rule()).append('\n');
                }
            }
            for (String chain : obsolete) {
                out.append("-X ").append(chain).append('\n');
            }
            out.append("COMMIT\n");
        }
    }

    /**
     * The incremental transaction from {@code previous} (what the last apply left in the kernel) to
     * {@code desired}: only chains whose content changed are declared and rewritten, new chains created,
     * chains no longer wanted flushed and deleted. Hooks are assumed in place (drift repair checks them).
     * Tables without a change are left out; the result is empty when nothing changed.
     */
    public static String renderDiff(FamilyRuleset previous, FamilyRuleset desired) {
        return diff(previous, desired).text();
    }

    /** The incremental transaction of {@link #renderDiff}, written when asked; {@link Script#isEmpty()} if none. */
    public static Script diff(FamilyRuleset previous, FamilyRuleset desired) {
        List<TableDiff> tables = new ArrayList<>();
        for (TableRules table : desired.tables()) {
            Map<String, Chain> before = previous.tables().stream().filter(t -> t.table().equals(table.table()))
                    .findFirst().map(t -> byName(t.chains(), Chain::name)).orElse(Map.of());
            // Identity first: the compiler hands back the very same Chain for what did not change (issue 11), so
            // a one-VM update compares a handful of chains' rules, not the host's.
            List<Chain> changed = table.chains().stream()
                    .filter(chain -> {
                        Chain old = before.get(chain.name());
                        return old != chain && !chain.equals(old);
                    }).toList();
            Set<String> obsolete = new TreeSet<>();
            long kept = table.chains().stream().filter(chain -> before.containsKey(chain.name())).count();
            if (before.size() > kept) {
                Set<String> wanted = table.chains().stream().map(Chain::name).collect(Collectors.toSet());
                before.keySet().stream().filter(name -> !wanted.contains(name)).forEach(obsolete::add);
            }
            if (!changed.isEmpty() || !obsolete.isEmpty()) {
                tables.add(new TableDiff(table.table(), changed, obsolete));
            }
        }
        boolean bridge = desired.family() == IpFamily.BRIDGE;
        return new Script(tables.isEmpty(), out -> {
            for (TableDiff table : tables) {
                table.writeTo(out, bridge);
            }
        });
    }

    /** One table's part of an incremental transaction: the chains to rewrite and the chains to delete. */
    private record TableDiff(String table, List<Chain> changed, Set<String> obsolete) {
        void writeTo(Script.Sink out, boolean bridge) {
            out.append('*').append(table).append('\n');
            writeChains(out, changed, obsolete, bridge);
            for (String chain : obsolete) {
                out.append("-X ").append(chain).append('\n');
            }
            out.append("COMMIT\n");
        }
    }

    /**
     * Declares (which flushes) and fills {@code chains}, and declares {@code obsolete} (flushed, deleted later), in
     * descending name order; a chain that another one jumps to is declared just before the first chain that names
     * it, so every jump still finds its target.
     *
     * <p>Why this order: {@code iptables-nft-restore --noflush} (1.8.x) records every chain a command names, and
     * every chain a rule jumps to, in a list sorted by name that it searches from the smallest name on. Declaring
     * all chains first and then filling them makes each rule walk about half of that list: with 1000 VMs (3300
     * chains, 56,000 rules per family) that was a third of the tool's CPU, 0.5 s per family. In descending order
     * the chain being filled is always at the head of the list, and the walk ends at once. The kernel ends up
     * holding the same chains and rules either way.
     */
    private static void writeChains(Script.Sink out, List<Chain> chains, Set<String> obsolete, boolean bridge) {
        Map<String, Chain> byName = byName(chains, Chain::name);
        Set<String> names = new TreeSet<>(Comparator.reverseOrder());
        names.addAll(byName.keySet());
        names.addAll(obsolete);
        Set<String> declared = new HashSet<>();
        for (String name : names) {
            Chain chain = byName.get(name);
            if (chain != null) {
                for (Rule rule : chain.rules()) {
                    String target = rule.action().targetChain();
                    if (target != null && names.contains(target) && declared.add(target)) {
                        out.append(declaration(target, bridge)).append('\n');
                    }
                }
            }
            if (declared.add(name)) {
                out.append(declaration(name, bridge)).append('\n');
            }
            if (chain != null) {
                appendRules(out, chain);
            }
        }
    }

    /** Chains in save syntax, without hooks or deletions: what {@code iptables-save} would list of them. */
    public static String renderChains(String table, List<Chain> chains, List<String> extraRules, boolean bridge) {
        return new Script(false, out -> {
            out.append('*').append(table).append('\n');
            for (Chain chain : chains) {
                out.append(declaration(chain.name(), bridge)).append('\n');
            }
            for (String rule : extraRules) {
                out.append(rule).append('\n');
            }
            for (Chain chain : chains) {
                appendRules(out, chain);
            }
            out.append("COMMIT\n");
        }).text();
    }

    /** "-A chain rule" lines of one chain, as the kernel lists them. */
    public static List<String> ruleLines(Chain chain) {
        return chain.rules().stream().map(rule -> "-A " + chain.name() + " " + rule.render()).toList();
    }

    /** Each rule rendered straight into {@code out}: a cold 1000-VM transaction is ~10 MB, never one String. */
    private static void appendRules(Script.Sink out, Chain chain) {
        for (Rule rule : chain.rules()) {
            out.append("-A ").append(chain.name()).append(' ').append(rule.render()).append('\n');
        }
    }

    private static String declaration(String chain, boolean bridge) {
        // ebtables user chains carry a policy; RETURN makes falling off the end continue in the caller.
        return bridge ? ":" + chain + " RETURN" : ":" + chain + " - [0:0]";
    }

    static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
        return items.stream().collect(Collectors.toMap(name, Function.identity()));
    }
}
