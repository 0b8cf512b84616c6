package io.sgagent.config;

import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.metrics.ConntrackCapacityGuard;
import io.sgagent.metrics.SgAgentMetrics;
import io.sgagent.netfilter.ConntrackCensus;
import io.sgagent.netfilter.ConntrackTableSize;
import io.sgagent.netfilter.ProcessRunner;
import io.sgagent.netfilter.QuotaCounters;
import io.sgagent.reconcile.ConntrackQuotas;
import io.sgagent.reconcile.HostReconciler;
import io.sgagent.reconcile.PeriodicTask;
import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * Wiring of per-VM conntrack quotas and the conntrack capacity guard (issue 12), kept apart from
 * {@link AgentConfiguration} so the feature reads in one place.
 */
@Configuration(proxyBeanMethods = false)
public class ConntrackQuotaConfiguration {
    /** How long one census of the table (per-VM entries) serves GETs, scrapes and the guard. */
    static final Duration CENSUS_TTL = Duration.ofSeconds(5);

    @Bean
    ConntrackQuotas conntrackQuotas(HostReconciler reconciler, ProcessRunner runner, SgAgentProperties properties) {
        return new ConntrackQuotas(reconciler, new RulesetCompiler(properties.conntrack().vmLimit()),
                new ConntrackCensus(runner), new QuotaCounters(runner), Clock.systemUTC(), CENSUS_TTL);
    }

    @Bean
    ConntrackCapacityGuard conntrackCapacityGuard(HostReconciler reconciler, ConntrackQuotas quotas,
                                                  ProcessRunner runner, SgAgentProperties properties,
                                                  SgAgentMetrics metrics) {
        SgAgentProperties.Conntrack conntrack = properties.conntrack();
        ConntrackCensus census = new ConntrackCensus(runner);
        ConntrackCapacityGuard guard = new ConntrackCapacityGuard(reconciler, quotas, census::buckets,
                conntrack.manageLimit() ? ConntrackTableSize.procfs() : null, conntrack.topTalkers(),
                conntrack.memoryBudget().toBytes(), Clock.systemUTC());
        // A deleted VM's series disappear with it, as SgAgentMetrics' per-VM drop counters do.
        metrics.onVmsChanged(guard::vmsChanged);
        return guard;
    }

    @Bean(destroyMethod = "close")
    PeriodicTask conntrackGuardTask(ConntrackCapacityGuard guard, SgAgentProperties properties) {
        return new PeriodicTask("sgagent-conntrack-guard", properties.conntrack().guardInterval(), guard::sample);
    }

    /** Starts the guard once the stored state is programmed (after {@code adoptStoredState}, order 0). */
    @Bean
    @Order(1)
    ApplicationRunner startConntrackGuard(PeriodicTask conntrackGuardTask) {
        return args -> conntrackGuardTask.start();
    }
}
