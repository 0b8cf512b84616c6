package io.sgagent.api.common;

import io.sgagent.netfilter.HostDevices;
import io.sgagent.netfilter.HostDevices.Link;
import io.sgagent.netfilter.HostDevices.Lookup;
import io.sgagent.netfilter.ToolCalls;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which devices a VM NIC may name. A filter keyed on the host's uplink, bridge or loopback would cut the host off
 * (its rules end in DROP), so two checks guard every NIC of the API and of CloudStack:
 * <ol>
 *   <li>the name must match {@code sgagent.devices.pattern} (default: libvirt/Xen taps {@code vnet*}, {@code tap*},
 *       {@code vif*}): a 400 naming the field;</li>
 *   <li>if the device exists in the managed namespace it must be a tap or a veth (the host end of a VM NIC), not
 *       a bridge, a physical NIC, a VLAN, a bond or loopback: a 409 naming the field. A device that does not exist
 *       yet is accepted (a VM may be declared before it starts).</li>
 * </ol>
 * When the kernel cannot be read (no {@code ip}, a timeout) the second check is skipped with a warning: the name
 * pattern still holds. Stateless and thread-safe.
 */
public final class DevicePolicy {
    public static final String DEFAULT_PATTERN = "(vnet|tap|vif)[A-Za-z0-9_.-]*";
    private static final Logger log = LoggerFactory.getLogger(DevicePolicy.class);

    private final Pattern pattern;
    private final HostDevices devices;

    /** {@code devices} null: no kernel to ask (web-slice tests, tools); only the name is checked. */
    public DevicePolicy(String pattern, HostDevices devices) {
        this.pattern = Pattern.compile(pattern == null || pattern.isBlank() ? DEFAULT_PATTERN : pattern);
        this.devices = devices;
    }

    public static DevicePolicy nameOnly() {
        return new DevicePolicy(DEFAULT_PATTERN, null);
    }

    public String pattern() {
        return pattern.pattern();
    }

    /** Why this device name may not be a VM port, or null when it may. */
    public String nameProblem(String device) {
        return pattern.matcher(device).matches() ? null
                : "device " + device + " does not match sgagent.devices.pattern " + pattern.pattern()
                + " (VM ports are taps such as vnet7; the host's bridge, uplink and lo are refused)";
    }

    /** Why this existing device is not a VM port, or null when it is one or does not exist. */
    public String kernelProblem(String device) {
        return devices == null ? null : problem(device, devices.find(device));
    }

    private static String problem(String device, Lookup lookup) {
        if (lookup instanceof Lookup.Unreadable unreadable) {
            log.warn("cannot tell whether {} is a VM port ({}); only its name was checked", device,
                    unreadable.reason());
            return null;
        }
        if (!(lookup instanceof Lookup.Found found) || found.link().isVmPortKind()) {
            return null;
        }
        Link link = found.link();
        String what = link.loopback() ? "the loopback device"
                : link.kind().equals("bridge") ? "a bridge"
                : link.kind().isEmpty() ? "a physical NIC" : "a " + link.kind() + " device";
        return "device " + device + " exists on this host and is " + what
                + (link.master().isEmpty() ? "" : " (port of " + link.master() + ")")
                + ", not the tap or veth of a VM";
    }

    /**
     * Throws a 409 {@link ProblemType#DEVICE_NOT_A_VM_PORT} listing every NIC of {@code vm} whose device exists and
     * is not a VM port, each under {@code prefix + "nics[i].device"}; returns when there is none.
     */
    public void requireVmPorts(Vm vm, String prefix) {
        requireVmPorts(vm, prefix, Set.of());
    }

    /**
     * {@link #requireVmPorts(Vm, String)} skipping the devices in {@code programmed}: the NICs this VM already has
     * programmed were checked when they were first accepted, so an update of a running VM (the common write) costs
     * no {@code ip link} process. A device re-created under the same name as something else is still refused by
     * the name pattern; it is looked at again when a VM is created or a NIC added.
     */
    public void requireVmPorts(Vm vm, String prefix, Set<String> programmed) {
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < vm.nics().size(); i++) {
            Nic nic = vm.nics().get(i);
            if (programmed.contains(nic.device())) {
                continue;
            }
            String problem = kernelProblem(nic.device());
            if (problem != null) {
                errors.add(new FieldError(prefix + "nics[" + i + "].device", problem));
            }
        }
        if (!errors.isEmpty()) {
            throw refused(errors);
        }
    }

    /**
     * Starts reading every link of the namespace ({@code ip -j -d link show}) on a tool thread, so a full host
     * state's port check can read the kernel while its VMs are still being validated (~0.1 s at 1000 ports); the
     * result is null when there is no kernel to ask or it cannot be read.
     */
    public CompletableFuture<Map<String, Link>> readLinks() {
        return devices == null ? CompletableFuture.completedFuture(null)
                : ToolCalls.ahead(devices::all);
    }

    /**
     * {@link #requireVmPorts(Vm, String)} for every VM of a full host state ({@code vms[<name>].nics[i].device}),
     * against the links {@link #readLinks()} read once instead of once per NIC; when they could not be read, each
     * device is looked up on its own.
     */
    public void requireVmPorts(Map<String, Vm> vms, CompletableFuture<Map<String, Link>> read) {
        Map<String, Link> links = read.join();
        if (links == null) {
            vms.forEach((name, vm) -> requireVmPorts(vm, "vms[" + name + "]."));
            return;
        }
        List<FieldError> errors = new ArrayList<>();
        vms.forEach((name, vm) -> {
            for (int i = 0; i < vm.nics().size(); i++) {
                String device = vm.nics().get(i).device();
                Link link = links.get(device);
                String problem = problem(device, link == null ? new Lookup.Absent() : new Lookup.Found(link));
                if (problem != null) {
                    errors.add(new FieldError("vms[" + name + "].nics[" + i + "].device", problem));
                }
            }
        });
        if (!errors.isEmpty()) {
            throw refused(errors);
        }
    }

    /** The 409 for devices that exist and are not VM ports. */
    public static ErrorResponseException refused(List<FieldError> errors) {
        ProblemDetail body = ProblemType.DEVICE_NOT_A_VM_PORT.detail(String.join("; ",
                errors.stream().map(e -> e.field() + ": " + e.message()).toList()));
        body.setProperty("errors", List.copyOf(errors));
        return OutcomeProblems.asException(body);
    }
}
