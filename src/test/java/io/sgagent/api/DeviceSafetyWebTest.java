package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.model.HostState;
import io.sgagent.netfilter.HostDevices;
import io.sgagent.netfilter.ProcessResult;
import io.sgagent.netfilter.ProcessRunner;
import io.sgagent.reconcile.PutOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/**
 * A VM may not claim the host's uplink, bridge or loopback as its device (issue 13): names outside
 * sgagent.devices.pattern are a 400, an existing device that is not a tap or veth a 409, both naming the field and
 * reaching no service. The kernel is a scripted {@code ip -j -d link show} (the real command is tested in
 * HostDevicesTest); 409s of conflicts name the owner, not the requester.
 */
@ApiWebMvcTest
@Import(DeviceSafetyWebTest.ScriptedKernel.class)
class DeviceSafetyWebTest {
    /** {@code ip -j -d link show dev X} as iproute2 prints it for the devices of a small KVM host. */
    static final Map<String, String> LINKS = Map.of(
            "vnet0", "[{\"ifname\":\"vnet0\",\"flags\":[\"BROADCAST\",\"UP\"],\"link_type\":\"ether\","
                    + "\"linkinfo\":{\"info_kind\":\"bridge\"}}]",
            "vnet7", "[{\"ifname\":\"vnet7\",\"flags\":[\"BROADCAST\",\"UP\"],\"master\":\"cloudbr0\","
                    + "\"link_type\":\"ether\",\"linkinfo\":{\"info_kind\":\"tun\",\"info_slave_kind\":\"bridge\"}}]",
            "vnet8", "[{\"ifname\":\"vnet8\",\"flags\":[\"BROADCAST\",\"UP\"],\"master\":\"cloudbr0\","
                    + "\"link_type\":\"ether\",\"linkinfo\":{\"info_kind\":\"veth\",\"info_slave_kind\":\"bridge\"}}]",
            "vif1.0", "[{\"ifname\":\"vif1.0\",\"flags\":[\"BROADCAST\",\"UP\"],\"master\":\"cloudbr0\","
                    + "\"link_type\":\"ether\",\"linkinfo\":{\"info_slave_kind\":\"bridge\"}}]");

    /**
     * Deliberately not a {@code @TestConfiguration}: the kernel ITs start the real application with test classes on
     * the classpath, where a scannable configuration would replace the real device checks. Imported explicitly.
     */
    static class ScriptedKernel {
        @Bean
        @Primary
        DevicePolicy scriptedDevicePolicy() {
            ProcessRunner ip = new ProcessRunner("", Duration.ofSeconds(1)) {
                @Override
                public ProcessResult run(List<String> argv, String stdin) {
                    String device = argv.get(argv.size() - 1);
                    if (device.equals("show")) {  // every link at once, as for a full host state
                        return new ProcessResult(argv, 0, "[" + String.join(",", LINKS.values().stream()
                                .map(l -> l.substring(1, l.length() - 1)).toList()) + "]", "");
                    }
                    String json = LINKS.get(device);
                    return json == null ? new ProcessResult(argv, 1, "", "Device \"" + device + "\" does not exist.\n")
                            : new ProcessResult(argv, 0, json, "");
                }
            };
            return new DevicePolicy(DevicePolicy.DEFAULT_PATTERN, new HostDevices(ip));
        }
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    @ParameterizedTest
    @ValueSource(strings = {"eth0", "cloudbr0", "lo", "br0", "uplink0", "virbr0", "bond0.100"})
    void hostDevicesOutsideThePatternAre400NamingTheField(String device) throws Exception {
        putVm(TestJson.with("nics[0].device", device))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:invalid-request"))
                .andExpect(jsonPath("$.errors[0].field").value("nics[0].device"))
                .andExpect(jsonPath("$.errors[0].message", containsString("sgagent.devices.pattern")));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void anExistingDeviceThatIsABridgeIs409NamingTheField() throws Exception {
        putVm(TestJson.with("nics[0].device", "vnet0"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:device-not-a-vm-port"))
                .andExpect(jsonPath("$.errors[0].field").value("nics[0].device"))
                .andExpect(jsonPath("$.errors[0].message").value(
                        "device vnet0 exists on this host and is a bridge, not the tap or veth of a VM"));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void aPhysicalPortOfTheBridgeIs409() throws Exception {
        putVm(TestJson.with("nics[0].device", "vif1.0"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.errors[0].message", containsString("a physical NIC (port of cloudbr0)")));
        assertThat(service.puts).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"vnet7", "vnet8", "vnet42", "tap-a"})
    void tapsVethsAndDevicesNotYetCreatedAreAccepted(String device) throws Exception {
        putVm(TestJson.with("nics[0].device", device)).andExpect(status().isOk());
        assertThat(service.puts).hasSize(1);
    }

    @Test
    void theHostStateNamesTheVmOfTheDevice() throws Exception {
        mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"vms\": {\"web-1\": " + TestJson.with("nics[0].device", "vnet0") + "}}"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1].nics[0].device"));
        mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"vms\": {\"web-1\": " + TestJson.with("nics[0].device", "eth0") + "}}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1].nics[0].device"));
        assertThat(service.replaces).isEmpty();
    }

    @Test
    void aConflictNamesTheOwnerNotTheRequester() throws Exception {
        // The service's conflict is HostState's message; "a-web" sorts before the owner "db-1".
        service.putBehaviour = vm -> {
            try {
                HostState.EMPTY.with(other()).with(vm);
                return new PutOutcome.Applied(null);
            } catch (HostState.HostConflictException e) {
                return new PutOutcome.Conflict(e.getMessage());
            }
        };
        mvc.perform(put("/api/v1/vms/{name}", "a-web").contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:host-conflict"))
                .andExpect(jsonPath("$.detail").value("device vnet7 belongs to VM db-1"));
    }

    private static io.sgagent.model.Vm other() {
        return VmRequestMapper.toVm("db-1", TestJson.MAPPER.readValue(TestJson.VM.replace("10.1.1.7", "10.1.9.7")
                .replace("10.1.1.70", "10.1.9.70").replace("2001:db8::7", "2001:db8::9")
                .replace("02:00:00:00:00:07", "02:00:00:00:00:09"), VmRequest.class));
    }

    private ResultActions putVm(String body) throws Exception {
        return mvc.perform(put("/api/v1/vms/{name}", "web-1").contentType(MediaType.APPLICATION_JSON).content(body));
    }
}
