package io.sgagent.config;

import io.sgagent.compiler.ChainNames;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelApplyException;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import io.sgagent.netfilter.HostDevices;
import io.sgagent.netfilter.ProcessRunner;
import io.sgagent.reconcile.DriftRepairer;
import io.sgagent.reconcile.HostReconciler;
import io.sgagent.state.DesiredStateStore;
import io.sgagent.metrics.CachedConntrackReport;
import io.sgagent.metrics.ConntrackHealthIndicator;
import io.sgagent.metrics.NetfilterHealthIndicator;
import io.sgagent.metrics.SgAgentMetrics;
import io.sgagent.state.FileStateStore;
import io.sgagent.state.NamespaceBinding;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** Explicit wiring of the plain-Java core: nothing below {@code api} knows Spring. */
@Configuration(proxyBeanMethods = false)
public class AgentConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgentConfiguration.class);

    @Bean
    ProcessRunner processRunner(SgAgentProperties properties) {
        return new ProcessRunner(properties.netfilter().netns(), properties.netfilter().commandTimeout(),
                properties.netfilter().toolPath());
    }

    @Bean
    NetfilterExecutor netfilterExecutor(ProcessRunner runner, SgAgentProperties properties) {
        return new NetfilterExecutor(runner, properties.netfilter().xtablesWait());
    }

    /** Reads the managed namespace's links, so the API can refuse a bridge, an uplink or lo as a VM device. */
    @Bean
    HostDevices hostDevices(ProcessRunner runner) {
        return new HostDevices(runner);
    }

    @Bean
    ConntrackClient conntrackClient(ProcessRunner runner) {
        return new ConntrackClient(runner);
    }

    @Bean
    KernelReader kernelReader(ProcessRunner runner) {
        return new KernelReader(runner);
    }

    /**
     * The state directory of the managed namespace. For a namespace other than PID 1's (a named one, or the
     * agent started inside one with {@code ip netns exec}) whose kernel holds nothing of ours, stored state is
     * from an earlier namespace (a test or sandbox run) and is not adopted; PID 1's namespace always adopts it
     * (after a reboot its kernel is empty by nature).
     */
    @Bean
    DesiredStateStore desiredStateStore(SgAgentProperties properties, KernelReader kernel) throws IOException {
        String netns = properties.netfilter().netns();
        Path directory = NamespaceBinding.bind(NamespaceBinding.directoryFor(properties.stateDir(), netns), netns);
        if (!NamespaceBinding.managesPidOneNamespace(netns) && !kernel.holdsOwnObjects(ChainNames.PREFIX)) {
            NamespaceBinding.discard(directory, "the managed namespace holds no sg-agent objects: it is new");
        }
        return new FileStateStore(directory);
    }

    @Bean
    CachedConntrackReport cachedConntrackReport(HostReconciler reconciler) {
        return new CachedConntrackReport(reconciler, Clock.systemUTC(), Duration.ofSeconds(2));
    }

    @Bean
    SgAgentMetrics sgAgentMetrics(HostReconciler reconciler, CachedConntrackReport conntrack) {
        SgAgentMetrics metrics = new SgAgentMetrics(reconciler, conntrack, reconciler.executor()::restoreLines,
                reconciler::drops);
        reconciler.observe(metrics);
        return metrics;
    }

    @Bean
    ConntrackHealthIndicator conntrackHealthIndicator(CachedConntrackReport conntrack,
                                                      io.sgagent.metrics.ConntrackCapacityGuard guard) {
        return new ConntrackHealthIndicator(conntrack, guard);
    }

    @Bean
    NetfilterHealthIndicator netfilterHealthIndicator(HostReconciler reconciler, SgAgentProperties properties) {
        return new NetfilterHealthIndicator(reconciler, properties.netfilter().netns());
    }

    @Bean
    HostReconciler hostReconciler(NetfilterExecutor executor, ConntrackClient conntrack, KernelReader kernel,
                                  DesiredStateStore store, SgAgentProperties properties) {
        return new HostReconciler(new RulesetCompiler(properties.conntrack().vmLimit(), properties.conntrack().connMarks()),
                executor, conntrack, kernel, store, Clock.systemUTC(),
                properties.limits().vmsPerHost());
    }

    @Bean(destroyMethod = "close")
    DriftRepairer driftRepairer(HostReconciler reconciler, SgAgentProperties properties) {
        return new DriftRepairer(reconciler, properties.reconcile().driftInterval());
    }

    /** Programs the stored state before the agent takes requests (an empty store installs the base chains). */
    @Bean
    @Order(0)
    ApplicationRunner adoptStoredState(HostReconciler reconciler, DriftRepairer drift, SgAgentProperties properties) {
        return args -> {
            String where = properties.netfilter().netns().isBlank() ? "this network namespace"
                    : "network namespace " + properties.netfilter().netns();
            try {
                reconciler.start();
                log.info("sg-agent programs {}", where);
            } catch (KernelApplyException e) {
                log.error("sg-agent cannot program {}: {}", where, e.getMessage());
            }
            drift.start();
        };
    }
}
