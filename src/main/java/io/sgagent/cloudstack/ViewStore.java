package io.sgagent.cloudstack;

import java.io.IOException;
import java.util.Map;

/** Durable CloudStack views, one per VM, so that {@code get_rule_logs_for_vms} survives an agent restart. */
interface ViewStore {
    /** Every stored view by VM name; unreadable entries are reported and skipped. */
    Map<String, CloudStackVm> load();

    void save(CloudStackVm view) throws IOException;

    void delete(String name) throws IOException;
}
