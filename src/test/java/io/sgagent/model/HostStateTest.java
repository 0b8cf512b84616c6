package io.sgagent.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddressString;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Conflict messages name the VM that owns the device, MAC or address, whatever the names' order (issue 13). */
class HostStateTest {
    private static Vm vm(String name, String device, String mac, String ipv4, String ipv6) {
        return new Vm(name, null, 1, List.of(new Nic(device, mac,
                ipv4 == null ? List.of() : List.of(new IPAddressString(ipv4).getAddress()),
                ipv6 == null ? List.of() : List.of(new IPAddressString(ipv6).getAddress()))), List.of(), List.of());
    }

    private static final Vm OWNER = vm("zeta", "vnet7", "02:00:00:00:00:07", "10.1.1.7", "2001:db8::7");

    @Test
    void aDeviceConflictNamesTheOwnerEvenWhenTheRequesterSortsFirst() {
        HostState host = HostState.EMPTY.with(OWNER);
        assertThatThrownBy(() -> host.with(vm("alpha", "vnet7", "02:00:00:00:00:01", null, null)))
                .isInstanceOf(HostState.HostConflictException.class)
                .hasMessage("device vnet7 belongs to VM zeta");
    }

    @Test
    void macAddressAndLinkLocalConflictsNameTheOwner() {
        HostState host = HostState.EMPTY.with(OWNER);
        assertThatThrownBy(() -> host.with(vm("alpha", "vnet1", "02:00:00:00:00:07", null, null)))
                .hasMessage("mac 02:00:00:00:00:07 belongs to VM zeta");
        assertThatThrownBy(() -> host.with(vm("alpha", "vnet1", "02:00:00:00:00:01", "10.1.1.7", null)))
                .hasMessage("address 10.1.1.7 belongs to VM zeta");
        assertThatThrownBy(() -> host.with(vm("alpha", "vnet1", "02:00:00:00:00:01", null, "fe80::ff:fe00:7")))
                .hasMessage("link-local address fe80::ff:fe00:7 belongs to VM zeta");
    }

    @Test
    void replacingAVmWithItselfIsNoConflict() {
        HostState host = HostState.EMPTY.with(OWNER).with(OWNER.withSeq(2));
        assertThat(host.vms()).containsOnlyKeys("zeta");
        assertThat(host.vms().get("zeta").seq()).isEqualTo(2);
    }

    @Test
    void twoVmsOfOneBodyAreBothNamed() {
        TreeMap<String, Vm> vms = new TreeMap<>();
        vms.put("zeta", OWNER);
        vms.put("alpha", vm("alpha", "vnet7", "02:00:00:00:00:01", null, null));
        assertThatThrownBy(() -> new HostState(vms)).hasMessage("device vnet7 is claimed by VMs alpha and zeta");
    }
}
