package io.sgagent.api;

import static io.sgagent.api.TestJson.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/**
 * Every {@code sgagent.limits.*} limit, set low here: at the limit the request passes, one beyond it is a 4xx that
 * names the field and the setting, and the service is never called.
 */
@ApiWebMvcTest(properties = {
        "sgagent.limits.max-body-size=2KB",
        "sgagent.limits.max-host-state-body-size=4KB",
        "sgagent.limits.nics-per-vm=2",
        "sgagent.limits.rules-per-direction=3",
        "sgagent.limits.cidrs-per-rule=2",
        "sgagent.limits.addresses-per-nic=2",
        "sgagent.limits.vms-per-host=2"})
class LimitsWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    private ResultActions putVm(String name, String json) throws Exception {
        return mvc.perform(put("/api/v1/vms/{name}", name).contentType(MediaType.APPLICATION_JSON).content(json));
    }

    private void rejected(String json, String field, String setting) throws Exception {
        putVm("web-1", json)
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value(field))
                .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString(
                        "sgagent.limits." + setting)));
        assertThat(service.puts).isEmpty();
    }

    private static Map<String, Object> nic(int i) {
        Map<String, Object> nic = new LinkedHashMap<>();
        nic.put("device", "vnet" + i);
        nic.put("mac", String.format("02:00:00:00:01:%02x", i));
        return nic;
    }

    private static Map<String, Object> rule(String... cidrs) {
        return Map.of("protocol", "tcp", "portStart", 22, "cidrs", List.of(cidrs));
    }

    @Test
    void nicsPerVm() throws Exception {
        putVm("web-1", with("nics", List.of(nic(1), nic(2)))).andExpect(status().isOk());
        service.reset();
        rejected(with("nics", List.of(nic(1), nic(2), nic(3))), "nics", "nics-per-vm");
    }

    @Test
    void rulesPerDirection() throws Exception {
        putVm("web-1", with("ingress", List.of(rule("10.0.0.1"), rule("10.0.0.2"), rule("10.0.0.3"))))
                .andExpect(status().isOk());
        service.reset();
        rejected(with("ingress", List.of(rule("10.0.0.1"), rule("10.0.0.2"), rule("10.0.0.3"), rule("10.0.0.4"))),
                "ingress", "rules-per-direction");
        rejected(with("egress", List.of(rule("10.0.0.1"), rule("10.0.0.2"), rule("10.0.0.3"), rule("10.0.0.4"))),
                "egress", "rules-per-direction");
    }

    @Test
    void cidrsPerRule() throws Exception {
        putVm("web-1", with("ingress[0].cidrs", List.of("10.0.0.0/8", "::/0"))).andExpect(status().isOk());
        service.reset();
        rejected(with("ingress[0].cidrs", List.of("10.0.0.0/8", "::/0", "192.0.2.0/24")), "ingress[0].cidrs",
                "cidrs-per-rule");
    }

    @Test
    void addressesPerNicAndFamily() throws Exception {
        putVm("web-1", with("nics[0].ipv6", List.of("2001:db8::7", "2001:db8::8"))).andExpect(status().isOk());
        service.reset();
        rejected(with("nics[0].ipv4", List.of("10.1.1.7", "10.1.1.8", "10.1.1.9")), "nics[0].ipv4",
                "addresses-per-nic");
        rejected(with("nics[0].ipv6", List.of("2001:db8::7", "2001:db8::8", "2001:db8::9")), "nics[0].ipv6",
                "addresses-per-nic");
    }

    @Test
    void vmsPerHostRefusesANewVmOnAFullHostButStillUpdatesExistingOnes() throws Exception {
        putVm("a", with("nics[0].device", "vnet1")).andExpect(status().isOk());
        putVm("b", with("nics[0].device", "vnet2")).andExpect(status().isOk());
        putVm("c", with("nics[0].device", "vnet3"))
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:limit-exceeded"))
                .andExpect(jsonPath("$.limit").value("sgagent.limits.vms-per-host"))
                .andExpect(jsonPath("$.max").value(2));
        assertThat(service.puts).extracting(vm -> vm.name()).containsExactly("a", "b");
        putVm("a", with(with("nics[0].device", "vnet1"), "seq", 13)).andExpect(status().isOk());
        assertThat(service.puts).hasSize(3);
    }

    @Test
    void vmsPerHostInAFullHostState() throws Exception {
        Map<String, Object> vms = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            vms.put("vm" + i, Map.of("seq", 1, "nics", List.of(nic(i))));
        }
        mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON)
                        .content(TestJson.MAPPER.writeValueAsString(Map.of("vms", vms))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms"))
                .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString(
                        "sgagent.limits.vms-per-host")));
        assertThat(service.replaces).isEmpty();
    }

    @Test
    void bodyLargerThanTheLimitIs413BeforeAnythingIsParsed() throws Exception {
        String padded = with("vmId", 7).replaceFirst("\\{", "{" + " ".repeat(2048 - TestJson.VM.length() + 200));
        assertThat(padded.length()).isGreaterThan(2048);
        putVm("web-1", padded)
                .andExpect(status().isPayloadTooLarge())
                .andExpect(header().string("Connection", "close"))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(413))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:body-too-large"))
                .andExpect(jsonPath("$.limit").value("sgagent.limits.max-body-size"))
                .andExpect(jsonPath("$.max").value(2048));
        String exactly = with("vmId", 7).replaceFirst("\\{", "{" + " ".repeat(2048 - with("vmId", 7).length()));
        assertThat(exactly.length()).isEqualTo(2048);
        putVm("web-1", exactly).andExpect(status().isOk());
        assertThat(service.puts).hasSize(1);
    }

    @Test
    void theFullHostStateHasItsOwnLargerBodyLimit() throws Exception {
        String threeKb = "{\"vms\":{}" + " ".repeat(3000) + "}";
        mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON).content(threeKb))
                .andExpect(status().isOk());
        putVm("web-1", "{" + " ".repeat(3000) + "}").andExpect(status().isPayloadTooLarge());
        String fiveKb = "{\"vms\":{}" + " ".repeat(5000) + "}";
        mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON).content(fiveKb))
                .andExpect(status().isPayloadTooLarge())
                .andExpect(jsonPath("$.limit").value("sgagent.limits.max-host-state-body-size"));
        assertThat(service.replaces).hasSize(1);
    }

    @Test
    void anOversizedListCostsOneViolationNotOnePerElement() throws Exception {
        List<String> cidrs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            cidrs.add("not-a-cidr-" + i);
        }
        putVm("web-1", with("ingress[0].cidrs", cidrs))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors.length()").value(1));
    }
}
