package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sgagent.netfilter.HostDevices.Link;
import io.sgagent.netfilter.HostDevices.Lookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What {@code ip -j -d link show} says about a device, read through the one process runner. */
class HostDevicesTest {

    /** The real command, read-only, in the test's own namespace: {@code lo} always exists and is loopback. */
    @Test
    void readsTheRealKernel() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip")), "needs iproute2");
        HostDevices devices = new HostDevices(new ProcessRunner("", Duration.ofSeconds(10)));
        Lookup lo = devices.find("lo");
        assertThat(lo).isInstanceOf(Lookup.Found.class);
        Link link = ((Lookup.Found) lo).link();
        assertThat(link.loopback()).isTrue();
        assertThat(link.isVmPortKind()).isFalse();
        assertThat(devices.find("vnet-absent9")).isInstanceOf(Lookup.Absent.class);
        assertThat(devices.all()).containsKey("lo").extractingByKey("lo").extracting(Link::loopback).isEqualTo(true);
    }

    @Test
    void parsesKindsAndMasters() {
        Link tap = ((Lookup.Found) HostDevices.parse("vnet7", "[{\"ifname\":\"vnet7\",\"flags\":[\"UP\"],"
                + "\"master\":\"cloudbr0\",\"link_type\":\"ether\",\"linkinfo\":{\"info_kind\":\"tun\","
                + "\"info_slave_kind\":\"bridge\"}}]")).link();
        assertThat(tap).isEqualTo(new Link("vnet7", "tun", false, "cloudbr0", "bridge"));
        assertThat(tap.isVmPortKind()).isTrue();
        Link bridge = ((Lookup.Found) HostDevices.parse("cloudbr0", "[{\"ifname\":\"cloudbr0\",\"flags\":[\"UP\"],"
                + "\"link_type\":\"ether\",\"linkinfo\":{\"info_kind\":\"bridge\"}}]")).link();
        assertThat(bridge.isVmPortKind()).isFalse();
        Link nic = ((Lookup.Found) HostDevices.parse("eth0", "[{\"ifname\":\"eth0\",\"flags\":[\"UP\"],"
                + "\"master\":\"cloudbr0\",\"link_type\":\"ether\"}]")).link();
        assertThat(nic.kind()).isEmpty();
        assertThat(nic.isVmPortKind()).isFalse();
        assertThat(HostDevices.parse("x", "[]")).isInstanceOf(Lookup.Absent.class);
    }
}
