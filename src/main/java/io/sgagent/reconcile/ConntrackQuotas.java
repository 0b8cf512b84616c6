package io.sgagent.reconcile;

import io.sgagent.compiler.ChainNames;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackCensus;
import io.sgagent.netfilter.QuotaCounters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Read side of per-VM conntrack quotas (issue 12): each VM's quota, its tracked entries and how many new
 * connections its quota refused. Tracked entries come from one {@link ConntrackCensus} pass over the table,
 * cached for {@code ttl} so that GETs, scrapes and the capacity guard together list the table at most once per
 * ttl; never called from the write path, never waits for the writer.
 *
 * <p>Thread-safe: the cache is replaced under this object's monitor; figures are immutable.
 */
public class ConntrackQuotas {
    private final SecurityGroupService service;
    private final RulesetCompiler compiler;
    private final ConntrackCensus census;
    private final QuotaCounters counters;
    private final Clock clock;
    private final Duration ttl;
    private Tally tally;

    /** One VM: its quota (0 = none), tracked entries at the last census, refused connections. */
    public record VmConntrack(int limit, long current, long refused) {
    }

    /**
     * One census: entries of the whole table and per VM (entries in which one of its addresses is the original
     * source or destination, both families), and when it was taken.
     */
    public record Tally(long entries, Map<String, Long> perVm, Instant at) {
        /** The {@code n} VMs with the most entries, most first (ties by name); VMs without entries left out. */
        public List<Map.Entry<String, Long>> top(int n) {
            return perVm.entrySet().stream().filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                            .thenComparing(Map.Entry.comparingByKey()))
                    .limit(n).toList();
        }
    }

    public ConntrackQuotas(SecurityGroupService service, RulesetCompiler compiler, ConntrackCensus census,
                           QuotaCounters counters, Clock clock, Duration ttl) {
        this.service = service;
        this.compiler = compiler;
        this.census = census;
        this.counters = counters;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** The VM's quota figures; empty if there is no such VM. Runs the census if the cached one is stale. */
    public Optional<VmConntrack> of(String name) {
        Optional<VmStatus> status = service.get(name);
        if (status.isEmpty()) {
            return Optional.empty();
        }
        Vm vm = status.get().vm();
        long refused = counters.refusals(ChainNames.quota(vm.name()), ChainNames.QUOTA_FULL)
                .getOrDefault(ChainNames.quota(vm.name()), 0L);
        return Optional.of(new VmConntrack(compiler.quota(vm), tally().perVm().getOrDefault(name, 0L), refused));
    }

    /** Refused connections per VM that has a quota chain in either family. */
    public Map<String, Long> refusals() {
        Map<String, Long> byChain = counters.refusals(ChainNames.PREFIX + "q-", ChainNames.QUOTA_FULL);
        Map<String, Long> byVm = new TreeMap<>();
        for (VmStatus status : service.list()) {
            Long refused = byChain.get(ChainNames.quota(status.vm().name()));
            if (refused != null) {
                byVm.put(status.vm().name(), refused);
            }
        }
        return byVm;
    }

    /** The cached census, taken anew when older than the ttl. */
    public synchronized Tally tally() {
        Instant now = clock.instant();
        if (tally == null || !tally.at().plus(ttl).isAfter(now)) {
            tally = take(now);
        }
        return tally;
    }

    private Tally take(Instant now) {
        Map<String, String> owner = new HashMap<>();
        for (VmStatus status : service.list()) {
            for (Family family : Family.values()) {
                status.vm().ownAddresses(family).forEach(a -> owner.put(a.toCanonicalString(), status.vm().name()));
            }
        }
        Set<String> addresses = new HashSet<>(owner.keySet());
        ConntrackCensus.Census result = census.count(addresses);
        Map<String, Long> perVm = new TreeMap<>();
        owner.values().forEach(vm -> perVm.put(vm, 0L));
        result.perAddress().forEach((address, count) -> perVm.merge(owner.get(address), count, Long::sum));
        return new Tally(result.entries(), Map.copyOf(perVm), now);
    }
}
