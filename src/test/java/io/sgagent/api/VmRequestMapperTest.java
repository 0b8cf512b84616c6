package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.IcmpMatch;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.InvalidInputException.Violation;
import io.sgagent.model.PortRange;
import io.sgagent.model.Protocol;
import io.sgagent.model.SgRule;
import io.sgagent.model.Vm;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DTO → model without Spring: valid inputs become the expected model values; invalid ones name their field. */
class VmRequestMapperTest {

    private static NicDto nic(String device, String mac, List<String> ipv4, List<String> ipv6) {
        return new NicDto(device, mac, ipv4, ipv6);
    }

    private static RuleDto rule(String protocol, Integer portStart, Integer portEnd, Integer icmpType, Integer icmpCode,
                                String... cidrs) {
        return new RuleDto(protocol, portStart, portEnd, icmpType, icmpCode, Arrays.asList(cidrs));
    }

    private static VmRequest vm(Long seq, List<NicDto> nics, List<RuleDto> ingress, List<RuleDto> egress) {
        return new VmRequest(null, seq, nics, ingress, egress);
    }

    private static List<String> texts(List<IPAddress> addresses) {
        return addresses.stream().map(IPAddress::toCanonicalString).toList();
    }

    @Test
    void designExample() throws Exception {
        Vm vm = VmRequestMapper.toVm("web-1", TestJson.MAPPER.readValue(TestJson.VM, VmRequest.class));
        assertThat(vm.name()).isEqualTo("web-1");
        assertThat(vm.vmId()).isEqualTo(7L);
        assertThat(vm.seq()).isEqualTo(12L);
        assertThat(vm.nics()).hasSize(1);
        assertThat(vm.nics().get(0).device()).isEqualTo("vnet7");
        assertThat(vm.nics().get(0).mac()).isEqualTo("02:00:00:00:00:07");
        assertThat(texts(vm.nics().get(0).ipv4())).containsExactly("10.1.1.7", "10.1.1.70");
        assertThat(texts(vm.nics().get(0).ipv6())).containsExactly("2001:db8::7");

        SgRule ssh = vm.ingress().get(0);
        assertThat(ssh.protocol()).isEqualTo(Protocol.TCP);
        assertThat(ssh.ports()).isEqualTo(new PortRange(22, 22));
        assertThat(ssh.icmp()).isNull();
        assertThat(ssh.cidrs(Family.IPV4)).extracting(Object::toString).containsExactly("0.0.0.0/0");
        assertThat(ssh.cidrs(Family.IPV6)).extracting(Object::toString).containsExactly("::/0");

        SgRule ping = vm.ingress().get(1);
        assertThat(ping.protocol()).isEqualTo(Protocol.ICMP);
        assertThat(ping.icmp()).isEqualTo(new IcmpMatch(8, null));
        assertThat(ping.ports()).isNull();

        SgRule out = vm.egress().get(0);
        assertThat(out.protocol().isAll()).isTrue();
        assertThat(out.isAllowAll(Family.IPV4)).isTrue();
        assertThat(out.hasFamily(Family.IPV6)).isFalse();
    }

    @Test
    void secondaryAddressesMixedFamiliesAndNormalisation() {
        Vm vm = VmRequestMapper.toVm("multi.home_1", vm(0L,
                List.of(nic("vnet10", "02:AA:BB:CC:DD:EE", List.of("192.0.2.10", "192.0.2.11", "192.0.2.12"),
                                List.of("2001:DB8:0:0:0:0:0:10", "2001:db8::11")),
                        nic("tap.b-2", "02:aa:bb:cc:dd:ef", List.of(), List.of("2001:db8:1::1"))),
                List.of(rule("udp", 53, null, null, null, "192.0.2.0/24", "2001:db8::/32", "198.51.100.7"),
                        rule("tcp", 1000, 2000, null, null, "2001:db8::1")),
                null));
        assertThat(vm.seq()).isZero();
        assertThat(vm.vmId()).isNull();
        assertThat(vm.nics().get(0).mac()).isEqualTo("02:aa:bb:cc:dd:ee");
        assertThat(texts(vm.nics().get(0).ipv4())).containsExactly("192.0.2.10", "192.0.2.11", "192.0.2.12");
        assertThat(texts(vm.nics().get(0).ipv6())).containsExactly("2001:db8::10", "2001:db8::11");
        assertThat(vm.nics().get(1).ipv4()).isEmpty();
        assertThat(texts(vm.nics().get(1).ipv6())).containsExactly("2001:db8:1::1");
        assertThat(vm.egress()).isEmpty();

        SgRule dns = vm.ingress().get(0);
        assertThat(dns.protocol()).isEqualTo(Protocol.UDP);
        assertThat(dns.ports()).isEqualTo(new PortRange(53, 53));
        assertThat(dns.cidrs()).extracting(Object::toString)
                .containsExactly("192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32");
        assertThat(dns.cidrs(Family.IPV4)).hasSize(2);
        assertThat(dns.cidrs(Family.IPV6)).hasSize(1);
        SgRule range = vm.ingress().get(1);
        assertThat(range.ports()).isEqualTo(new PortRange(1000, 2000));
        assertThat(range.cidrs()).extracting(Object::toString).containsExactly("2001:db8::1/128");
    }

    @Test
    void ipv6OnlyNicWithoutIpv4() {
        Vm vm = VmRequestMapper.toVm("v6", vm(3L, List.of(nic("vnet6", "02:00:00:00:00:06", null, List.of("2001:db8::6"))),
                List.of(rule("all", null, null, null, null, "::/0")), List.of()));
        assertThat(vm.nics().get(0).ipv4()).isEmpty();
        assertThat(vm.ownAddresses(Family.IPV6)).extracting(IPAddress::toCanonicalString)
                .containsExactly("2001:db8::6", "fe80::ff:fe00:6");
        assertThat(vm.ingress().get(0).isAllowAll(Family.IPV6)).isTrue();
        assertThat(vm.ingress().get(0).isAllowAll(Family.IPV4)).isFalse();
    }

    @Test
    void nicWithoutAnyAddressIsAllowed() {
        Vm vm = VmRequestMapper.toVm("bare", vm(1L, List.of(nic("vnet1", "02:00:00:00:00:01", null, null)), null, null));
        assertThat(vm.nics().get(0).ipv4()).isEmpty();
        assertThat(vm.nics().get(0).ipv6()).isEmpty();
        assertThat(vm.ingress()).isEmpty();
    }

    @Test
    void protocolsByNameAndNumber() {
        Map<String, Protocol> expected = new LinkedHashMap<>();
        expected.put("TCP", Protocol.TCP);
        expected.put("6", Protocol.TCP);
        expected.put("17", Protocol.UDP);
        expected.put("1", Protocol.ICMP);
        expected.put("ALL", Protocol.ALL);
        expected.put("47", new Protocol("47", 47));
        expected.put("255", new Protocol("255", 255));
        expected.forEach((text, protocol) -> {
            Vm vm = VmRequestMapper.toVm("p", vm(1L, List.of(nic("vnet1", "02:00:00:00:00:01", null, null)),
                    List.of(rule(text, null, null, null, null, "0.0.0.0/0")), null));
            assertThat(vm.ingress().get(0).protocol()).as(text).isEqualTo(protocol);
        });
    }

    @Test
    void portAndIcmpDefaults() {
        Vm vm = VmRequestMapper.toVm("d", vm(1L, List.of(nic("vnet1", "02:00:00:00:00:01", null, null)),
                List.of(rule("tcp", null, null, null, null, "0.0.0.0/0"),
                        rule("udp", 1, 65535, null, null, "0.0.0.0/0"),
                        rule("icmp", null, null, null, null, "0.0.0.0/0"),
                        rule("icmp", null, null, -1, -1, "::/0"),
                        rule("icmp", null, null, 3, 4, "10.0.0.0/8"),
                        rule("icmp", null, null, 0, 0, "10.0.0.0/8"),
                        rule("tcp", null, null, -1, -1, "10.0.0.0/8")),
                null));
        assertThat(vm.ingress().get(0).ports()).isEqualTo(PortRange.ALL);
        assertThat(vm.ingress().get(1).ports()).isEqualTo(PortRange.ALL);
        assertThat(vm.ingress().get(2).icmp()).isEqualTo(IcmpMatch.ANY);
        assertThat(vm.ingress().get(3).icmp()).isEqualTo(IcmpMatch.ANY);
        assertThat(vm.ingress().get(4).icmp()).isEqualTo(new IcmpMatch(3, 4));
        assertThat(vm.ingress().get(5).icmp()).isEqualTo(new IcmpMatch(0, 0));
        assertThat(vm.ingress().get(6).icmp()).isNull();
    }

    @Test
    void sameContentRegardlessOfSpelling() {
        Vm a = VmRequestMapper.toVm("x", vm(1L, List.of(nic("vnet1", "02:AB:00:00:00:01", List.of("10.0.0.1"),
                List.of("2001:DB8::1"))), List.of(rule("6", 22, null, null, null, "10.0.0.0/8")), null));
        Vm b = VmRequestMapper.toVm("x", vm(2L, List.of(nic("vnet1", "02:ab:00:00:00:01", List.of("10.0.0.1"),
                List.of("2001:db8:0::1"))), List.of(rule("tcp", 22, 22, null, null, "10.0.0.0/8")), List.of()));
        assertThat(a.sameContent(b)).isTrue();
    }

    @Test
    void hostStateKeepsEveryVmAndChecksNames() {
        HostState state = VmRequestMapper.toHostState(new HostStateRequest(Map.of(
                "b", vm(1L, List.of(nic("vnet2", "02:00:00:00:00:02", List.of("10.0.0.2"), null)), null, null),
                "a", vm(5L, List.of(nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), null)), null, null))));
        assertThat(state.vms().keySet()).containsExactly("a", "b");
        assertThat(state.vms().get("a").seq()).isEqualTo(5);
    }

    @Test
    void hostStateConflictsAreTheModelsException() {
        assertThatThrownBy(() -> VmRequestMapper.toHostState(new HostStateRequest(Map.of(
                "a", vm(1L, List.of(nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), null)), null, null),
                "b", vm(1L, List.of(nic("vnet1", "02:00:00:00:00:02", List.of("10.0.0.2"), null)), null, null)))))
                .isInstanceOf(HostState.HostConflictException.class).hasMessageContaining("vnet1");
    }

    @Test
    void violationsAreCollectedWithPaths() {
        VmRequest request = new VmRequest(null, -1L,
                Arrays.asList(nic("vnet1", "bad", Arrays.asList("10.0.0.1", null, "2001:db8::1"), null), null,
                        nic("vnet1", "02:00:00:00:00:02", List.of("10.0.0.1"), null)),
                Arrays.asList(rule("tcp", 80, 22, null, null, "10.1.1.7/24"), null,
                        rule("icmp", 22, null, 300, null)),
                List.of(rule("udp", null, 53, null, null, "0.0.0.0/0"), rule("all", null, null, 8, null, "::/0")));
        assertThatThrownBy(() -> VmRequestMapper.toVm("-x", request))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly("name", "seq", "nics[0].mac", "nics[0].ipv4[1]", "nics[0].ipv4[2]", "nics[1]",
                                "nics[2].device", "nics[2].ipv4[0]",
                                "ingress[0].portStart", "ingress[0].cidrs[0]", "ingress[1]",
                                "ingress[2].portStart", "ingress[2].icmpType", "ingress[2].cidrs",
                                "egress[0].portEnd", "egress[1].icmpType"));
    }

    @Test
    void hostStatePathsArePrefixed() {
        Map<String, VmRequest> vms = new LinkedHashMap<>();
        vms.put("ok", vm(1L, List.of(nic("vnet1", "02:00:00:00:00:01", null, null)), null, null));
        vms.put("a b", vm(null, List.of(nic("vnet2", "02:00:00:00:00:02", List.of("::1"), null)), null, null));
        vms.put("c", null);
        assertThatThrownBy(() -> VmRequestMapper.toHostState(new HostStateRequest(vms)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly("vms[a b]", "vms[a b].seq", "vms[a b].nics[0].ipv4[0]", "vms[c]"));
    }

    /** Large enough to be mapped in parallel: every VM kept, and the violations still in the request's order. */
    @Test
    void aLargeHostStateKeepsEveryVmAndListsViolationsInRequestOrder() {
        Map<String, VmRequest> vms = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            String mac = String.format("02:00:00:00:%02x:%02x", i / 256, i % 256);
            String ipv4 = i % 100 == 7 ? "10.0.0.999" : "10.0.%d.%d".formatted(i / 200, i % 200 + 1);
            vms.put("vm" + (1000 - i), vm(1L, List.of(nic("vnet" + i, mac, List.of(ipv4), null)),
                    List.of(rule("tcp", 22, null, null, null, "10.0.0.0/8")), null));
        }
        assertThatThrownBy(() -> VmRequestMapper.toHostState(new HostStateRequest(vms)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly("vms[vm993].nics[0].ipv4[0]", "vms[vm893].nics[0].ipv4[0]",
                                "vms[vm793].nics[0].ipv4[0]", "vms[vm693].nics[0].ipv4[0]",
                                "vms[vm593].nics[0].ipv4[0]"));

        vms.replaceAll((name, request) -> request.nics().get(0).ipv4().get(0).endsWith(".999")
                ? vm(1L, List.of(nic(request.nics().get(0).device(), request.nics().get(0).mac(),
                        List.of("10.9.9." + name.substring(2, 3)), null)), null, null)
                : request);
        HostState state = VmRequestMapper.toHostState(new HostStateRequest(vms));
        assertThat(state.vms()).hasSize(500);
        assertThat(state.vms().get("vm1000").nics().get(0).device()).isEqualTo("vnet0");
        assertThat(state.vms().get("vm501").ingress()).hasSize(1);
    }

    /**
     * VMs of one security group carry equal rules: each distinct rule is mapped once and shared. A rule with a
     * violation is reported at every place it appears, each under its own field.
     */
    @Test
    void equalRulesOfDifferentVmsAreMappedOnceAndBadOnesReportedEverywhere() {
        Map<String, VmRequest> vms = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            String mac = String.format("02:00:00:00:00:%02x", i);
            vms.put("vm" + i, vm(1L, List.of(nic("vnet" + i, mac, List.of("10.0.0." + (i + 1)), null)),
                    List.of(rule("tcp", 22, null, null, null, "10.0.0.0/8"),
                            rule("udp", 53, 54, null, null, "192.0.2.0/24", "fd00::/8")),
                    List.of(rule("tcp", 22, null, null, null, "10.0.0.0/8"))));
        }
        HostState state = VmRequestMapper.toHostState(new HostStateRequest(vms));

        SgRule ssh = state.vms().get("vm0").ingress().get(0);
        assertThat(state.vms().values()).allSatisfy(vm -> {
            assertThat(vm.ingress().get(0)).isSameAs(ssh);
            assertThat(vm.egress().get(0)).isSameAs(ssh);
            assertThat(vm.ingress().get(1)).isSameAs(state.vms().get("vm0").ingress().get(1));
        });
        assertThat(ssh.cidrs()).extracting(Object::toString).containsExactly("10.0.0.0/8");

        vms.put("vm7", vm(1L, List.of(nic("vnet7", "02:00:00:00:00:07", null, null)),
                List.of(rule("tcp", 22, null, null, null, "10.0.0.0/33")), null));
        vms.put("vm8", vm(1L, List.of(nic("vnet8", "02:00:00:00:00:08", null, null)),
                List.of(rule("tcp", 22, null, null, null, "10.0.0.0/8"), rule("tcp", 22, null, null, null,
                        "10.0.0.0/33")), null));
        assertThatThrownBy(() -> VmRequestMapper.toHostState(new HostStateRequest(vms)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field)
                        .containsExactly("vms[vm7].ingress[0].cidrs[0]", "vms[vm8].ingress[1].cidrs[0]"));
    }

    @Test
    void requireValidName() {
        assertThat(VmRequestMapper.requireValidName("a")).isEqualTo("a");
        assertThat(VmRequestMapper.requireValidName("Web_1.prod-2")).isEqualTo("Web_1.prod-2");
        for (String bad : new String[] {"", "-a", ".a", "_a", "a b", "a/b", "ä", "a".repeat(65)}) {
            assertThatThrownBy(() -> VmRequestMapper.requireValidName(bad)).as(bad)
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.violations().get(0).field()).isEqualTo("name"));
        }
    }
}
