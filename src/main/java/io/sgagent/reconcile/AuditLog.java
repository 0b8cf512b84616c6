package io.sgagent.reconcile;

import io.sgagent.compiler.NotrackPolicy;
import io.sgagent.model.Family;
import io.sgagent.model.Vm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One INFO line per VM change that reached the kernel: which VM, seq before and after, what changed in counts,
 * the size of the kernel transaction it went in, and who asked. The same facts go into the message as
 * {@code key=value} text (plain logs) and as SLF4J key-value pairs (structured JSON logs carry them as fields).
 * Logged under {@code io.sgagent.audit}, so operators can route or keep it apart from the rest.
 *
 * <p>Thread-safety: stateless.
 */
final class AuditLog {
    private static final Logger log = LoggerFactory.getLogger("io.sgagent.audit");

    private AuditLog() {
    }

    /** Logs a change of a transaction that held; {@code batch} is how many VM changes that transaction carried. */
    static void applied(HostTransaction.Change change, int batch) {
        Vm before = change.before();
        Vm after = change.after();
        String action = before == null ? "created" : after == null ? "deleted" : "updated";
        LoggingEventBuilder event = log.atInfo();
        StringBuilder message = new StringBuilder(action);
        add(event, message, "vm", change.name());
        add(event, message, "seq", seq(before) + "->" + seq(after));
        add(event, message, "nics", count(before, Kind.NICS) + "->" + count(after, Kind.NICS));
        add(event, message, "ingress", count(before, Kind.INGRESS) + "->" + count(after, Kind.INGRESS));
        add(event, message, "egress", count(before, Kind.EGRESS) + "->" + count(after, Kind.EGRESS));
        add(event, message, "notrack4", notrack(before, Family.IPV4) + "->" + notrack(after, Family.IPV4));
        add(event, message, "notrack6", notrack(before, Family.IPV6) + "->" + notrack(after, Family.IPV6));
        add(event, message, "batch", Integer.toString(batch));
        add(event, message, "actor", change.actor().name());
        event.addKeyValue("action", action).setMessage(message.toString()).log();
    }

    private enum Kind { NICS, INGRESS, EGRESS }

    private static void add(LoggingEventBuilder event, StringBuilder message, String key, String value) {
        event.addKeyValue(key, value);
        // A subject such as "CN=a b,O=c" holds spaces and '=': quoted, so the line still splits into pairs.
        boolean plain = value.chars().noneMatch(c -> c == ' ' || c == '"' || c == '=' || c == ',');
        message.append(' ').append(key).append('=')
                .append(plain ? value : '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"');
    }

    private static String seq(Vm vm) {
        return vm == null ? "-" : Long.toString(vm.seq());
    }

    private static int count(Vm vm, Kind kind) {
        if (vm == null) {
            return 0;
        }
        return switch (kind) {
            case NICS -> vm.nics().size();
            case INGRESS -> vm.ingress().size();
            case EGRESS -> vm.egress().size();
        };
    }

    private static String notrack(Vm vm, Family family) {
        return vm != null && NotrackPolicy.untracked(vm, family) ? "on" : "off";
    }
}
