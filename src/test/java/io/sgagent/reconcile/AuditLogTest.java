package io.sgagent.reconcile;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.host;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sgagent.compiler.RulesetCompiler;
import io.sgagent.fixtures.FakeKernel;
import io.sgagent.fixtures.InMemoryStateStore;
import io.sgagent.model.Vm;
import io.sgagent.netfilter.ConntrackClient;
import io.sgagent.netfilter.KernelReader;
import io.sgagent.netfilter.NetfilterExecutor;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Every change that reached the kernel leaves one INFO line on {@code io.sgagent.audit} naming the VM, seq, counts,
 * the transaction size and who asked; refused or failed changes leave none. Against the fake kernel, no root.
 */
class AuditLogTest {
    private final FakeKernel kernel = new FakeKernel();
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger audit = (Logger) LoggerFactory.getLogger("io.sgagent.audit");
    private Level previousLevel;
    private HostReconciler reconciler;

    @BeforeEach
    void start() throws Exception {
        reconciler = new HostReconciler(new RulesetCompiler(), new NetfilterExecutor(kernel, 10),
                new ConntrackClient(kernel), new KernelReader(kernel), new InMemoryStateStore(), Clock.systemUTC(),
                1000);
        reconciler.start();
        previousLevel = audit.getLevel();
        audit.setLevel(Level.INFO); // whatever an earlier test in this JVM configured
        lines.start();
        audit.addAppender(lines);
    }

    @AfterEach
    void detach() {
        audit.detachAppender(lines);
        audit.setLevel(previousLevel);
    }

    private static Vm web(long seq, boolean open) {
        var builder = aVm("web").seq(seq).nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"),
                List.of("2001:db8::1"));
        return (open ? builder.ingress(all().from(ANY4)) : builder.ingress(tcp(22).from(ANY4, ANY6), tcp(80).from(ANY4)))
                .build();
    }

    private static Map<String, String> fields(ILoggingEvent event) {
        return event.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> String.valueOf(p.value)));
    }

    @Test
    void anAppliedPutNamesVmSeqCountsBatchAndActor() {
        reconciler.put(web(1, false), Actor.certificate("CN=management-plane,O=example"));
        reconciler.put(web(2, true), Actor.TOKEN);

        assertThat(lines.list).hasSize(2);
        ILoggingEvent created = lines.list.get(0);
        assertThat(created.getLevel()).isEqualTo(Level.INFO);
        assertThat(created.getFormattedMessage()).isEqualTo("created vm=web seq=-->1 nics=0->1 ingress=0->2"
                + " egress=0->0 notrack4=off->off notrack6=off->off batch=1"
                + " actor=\"CN=management-plane,O=example\"");
        ILoggingEvent updated = lines.list.get(1);
        // all from 0.0.0.0/0 with open egress: IPv4 leaves conntrack (B5), IPv6 (no rule of its own) does not
        assertThat(updated.getFormattedMessage()).isEqualTo("updated vm=web seq=1->2 nics=1->1 ingress=2->1"
                + " egress=0->0 notrack4=off->on notrack6=off->off batch=1 actor=token");
        assertThat(fields(updated)).containsEntry("vm", "web").containsEntry("seq", "1->2")
                .containsEntry("actor", "token").containsEntry("action", "updated").containsEntry("batch", "1");
    }

    @Test
    void deletesAndFullSyncsAreLoggedPerVmWithTheTransactionSize() {
        reconciler.put(web(1, false));
        reconciler.replaceAll(host(web(2, false), aVm("db").seq(1).nic("vnet2", "02:00:00:00:00:02",
                List.of("10.0.0.2"), List.of()).build()), Actor.ANONYMOUS);
        reconciler.delete("db", Actor.TOKEN);

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "created vm=web seq=-->1 nics=0->1 ingress=0->2 egress=0->0 notrack4=off->off notrack6=off->off"
                        + " batch=1 actor=agent",
                "created vm=db seq=-->1 nics=0->1 ingress=0->0 egress=0->0 notrack4=off->off notrack6=off->off"
                        + " batch=2 actor=anonymous",
                "updated vm=web seq=1->2 nics=1->1 ingress=2->2 egress=0->0 notrack4=off->off notrack6=off->off"
                        + " batch=2 actor=anonymous",
                "deleted vm=db seq=1->- nics=1->0 ingress=0->0 egress=0->0 notrack4=off->off notrack6=off->off"
                        + " batch=1 actor=token");
    }

    @Test
    void refusedAndFailedChangesLeaveNoAuditLine() {
        reconciler.put(web(5, false), Actor.TOKEN);
        lines.list.clear();

        assertThat(reconciler.put(web(4, false), Actor.TOKEN)).isInstanceOf(PutOutcome.StaleSeq.class);
        assertThat(reconciler.put(web(5, false), Actor.TOKEN)).isInstanceOf(PutOutcome.Unchanged.class);
        kernel.failTool("iptables-restore");
        assertThat(reconciler.put(web(6, true), Actor.TOKEN)).isInstanceOf(PutOutcome.Failed.class);
        assertThat(reconciler.delete("nobody", Actor.TOKEN)).isInstanceOf(DeleteOutcome.NotFound.class);

        assertThat(lines.list).isEmpty();
    }
}
