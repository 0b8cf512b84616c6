package io.sgagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackCensus;
import io.sgagent.netfilter.ConntrackTableSize;
import io.sgagent.netfilter.QuotaCounters;
import io.sgagent.reconcile.ConntrackQuotas;
import io.sgagent.reconcile.ConntrackReport;
import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import io.sgagent.reconcile.ReplaceOutcome;
import io.sgagent.reconcile.SecurityGroupService;
import io.sgagent.reconcile.VmStatus;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The guard's arithmetic and the optional limit management, against a fake table (never the real one). */
class ConntrackCapacityGuardTest {
    long entries = 1000;
    List<VmStatus> vms = new ArrayList<>();
    Map<String, Long> perAddress = Map.of();
    final FakeTable table = new FakeTable(10_000, 10_000);
    final MutableClock clock = new MutableClock();

    @Test
    void growthIsProjectedAndPublishedAsMetrics() {
        ConntrackCapacityGuard guard = guard(null);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        guard.bindTo(registry);
        for (int i = 0; i < 4; i++) {
            guard.sample();
            clock.advance(15);
            entries += 300; // 20/s
        }
        // Last sample at 1900 of 10000 entries, growing 20/s: 405 s to go.
        assertThat(guard.snapshot().secondsToFull()).isEqualTo(405.0, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(registry.get("sgagent.conntrack.time.to.full").gauge().value()).isEqualTo(405.0,
                org.assertj.core.api.Assertions.within(1e-6));
        assertThat(registry.get("sgagent.conntrack.buckets").gauge().value()).isEqualTo(4096);
    }

    @Test
    void aHotTableIsRaisedWithinTheBudgetAndCounted() {
        long budget = 30_000 * ConntrackCapacityGuard.BYTES_PER_ENTRY;
        ConntrackCapacityGuard guard = guard(table, budget);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        guard.bindTo(registry);

        entries = 7_000; // 70 %: not hot
        guard.sample();
        assertThat(table.max).isEqualTo(10_000);

        entries = 8_500; // hot: doubled, buckets first
        guard.sample();
        assertThat(table.max).isEqualTo(20_000);
        assertThat(table.hashSize).isEqualTo(20_000);
        assertThat(table.writes).containsExactly("hashsize=20000", "max=20000");

        entries = 19_000; // hot again: capped by the budget
        guard.sample();
        assertThat(table.max).isEqualTo(30_000);
        entries = 29_000; // at the budget: nothing more
        guard.sample();
        assertThat(table.max).isEqualTo(30_000);
        assertThat(registry.get("sgagent.conntrack.limit.raises").counter().count()).isEqualTo(2);
    }

    @Test
    void topTalkersAreBoundedAndADeletedVmLeavesTheScrapeAtOnce() {
        for (int i = 0; i < 12; i++) {
            vms.add(new VmStatus(io.sgagent.fixtures.VmFixtures.aVm("vm" + i).nic("vnet" + i,
                    String.format("02:00:00:00:00:%02x", i + 1), List.of("10.0.0." + (i + 1)), List.of()).build(),
                    false, false, Instant.EPOCH));
        }
        Map<String, Long> counts = new java.util.HashMap<>();
        for (int i = 0; i < 12; i++) {
            counts.put("10.0.0." + (i + 1), 100L + i);
        }
        perAddress = counts;
        ConntrackCapacityGuard guard = guard(null);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        guard.bindTo(registry);
        guard.sample();
        assertThat(registry.find("sgagent.vm.conntrack.entries").gauges()).hasSize(10);
        assertThat(registry.get("sgagent.vm.conntrack.entries").tag("vm", "vm11").gauge().value()).isEqualTo(111);
        assertThat(registry.find("sgagent.vm.conntrack.entries").tag("vm", "vm0").gauge()).as("not in the top 10")
                .isNull();

        vms.removeIf(status -> status.vm().name().equals("vm11"));
        guard.vmsChanged();
        assertThat(registry.find("sgagent.vm.conntrack.entries").tag("vm", "vm11").gauge()).isNull();
    }

    private ConntrackCapacityGuard guard(ConntrackTableSize size) {
        return guard(size, 1L << 30);
    }

    private ConntrackCapacityGuard guard(ConntrackTableSize size, long budget) {
        SecurityGroupService service = new Service();
        ConntrackQuotas quotas = new ConntrackQuotas(service, new RulesetCompiler(), new ConntrackCensus(null) {
            @Override
            public Census count(Set<String> addresses) {
                return new Census(entries, perAddress);
            }
        }, new QuotaCounters(null) {
            @Override
            public Map<String, Long> refusals(String chainPrefix, String target) {
                return Map.of();
            }
        }, clock, Duration.ZERO);
        return new ConntrackCapacityGuard(service, quotas, () -> 4096, size, 10, budget, clock);
    }

    final class Service implements SecurityGroupService {
        @Override
        public ConntrackReport conntrack() {
            long limit = table.max;
            return new ConntrackReport(entries, limit, (double) entries / limit, Map.of(), Map.of());
        }

        @Override
        public PutOutcome put(Vm vm) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeleteOutcome delete(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ReplaceOutcome replaceAll(HostState desired) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<VmStatus> get(String name) {
            return Optional.empty();
        }

        @Override
        public List<VmStatus> list() {
            return List.copyOf(vms);
        }

        @Override
        public Optional<String> ruleset(String name) {
            return Optional.empty();
        }
    }

    static final class FakeTable implements ConntrackTableSize {
        long max;
        long hashSize;
        final List<String> writes = new ArrayList<>();

        FakeTable(long max, long hashSize) {
            this.max = max;
            this.hashSize = hashSize;
        }

        @Override
        public long max() {
            return max;
        }

        @Override
        public long hashSize() {
            return hashSize;
        }

        @Override
        public void setMax(long max) throws IOException {
            writes.add("max=" + max);
            this.max = max;
        }

        @Override
        public void setHashSize(long buckets) throws IOException {
            writes.add("hashsize=" + buckets);
            this.hashSize = buckets;
        }
    }

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-12-04T12:00:00Z");

        void advance(long seconds) {
            now = now.plusSeconds(seconds);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
