package io.sgagent.api;

import static io.sgagent.api.TestJson.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.api.pbt.HostileInputs;
import io.sgagent.api.pbt.PropertyCheck;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Names that could break out of a kernel object name, an {@code iptables-restore} line or an argv slot, one test
 * per class of attack ({@link HostileInputs#HOSTILE_NAMES}): each is rejected as a VM name (path variable and
 * host-state key) and as a device name, with a 400 naming the field, and the service is never called. Nothing is
 * "mapped to a safe name": a name the kernel could not take verbatim is an error, so two VMs can never end up
 * sharing a kernel object.
 */
@ApiWebMvcTest
class HostileNamesWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    static Stream<Arguments> classes() {
        return HostileInputs.HOSTILE_NAMES.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "VM name in the path: {0}")
    @MethodSource("classes")
    void rejectedAsVmNameInThePath(String attack, List<String> names) throws Exception {
        for (String name : names) {
            MockHttpServletResponse response = mvc.perform(put("/api/v1/vms/{name}", name)
                    .contentType(MediaType.APPLICATION_JSON).content(TestJson.VM)).andReturn().getResponse();
            // "", ".", ".." and names with '/' never match the route (404/405); everything else is a 400 on "name"
            if (response.getStatus() == 400) {
                assertThat(response.getContentAsString()).as(PropertyCheck.describe(name)).contains("\"field\":\"name\"");
            } else {
                assertThat(response.getStatus()).as(PropertyCheck.describe(name)).isIn(404, 405);
                assertThat(name).matches("|\\.|\\.\\.|.*/.*|.*\\\\.*");
            }
            mvc.perform(delete("/api/v1/vms/{name}", name)).andExpect(status().is4xxClientError());
        }
        assertThat(service.puts).as(attack).isEmpty();
        assertThat(service.deletes).as(attack).isEmpty();
    }

    @ParameterizedTest(name = "VM name as host-state key: {0}")
    @MethodSource("classes")
    void rejectedAsVmNameInTheHostState(String attack, List<String> names) throws Exception {
        for (String name : names) {
            String body = TestJson.MAPPER.writeValueAsString(
                    Map.of("vms", Map.of(name, TestJson.MAPPER.readTree(TestJson.VM))));
            mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON).content(body))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.errors[0].field").value("vms[" + name + "]"))
                    .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.anyOf(
                            org.hamcrest.Matchers.containsString("must match"),
                            org.hamcrest.Matchers.containsString("is required"))));
        }
        assertThat(service.replaces).as(attack).isEmpty();
    }

    @ParameterizedTest(name = "device name: {0}")
    @MethodSource("classes")
    void rejectedAsDeviceName(String attack, List<String> names) throws Exception {
        for (String name : names) {
            mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON)
                            .content(with("nics[0].device", name)))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.errors[0].field").value("nics[0].device"));
        }
        assertThat(service.puts).as(attack).isEmpty();
    }

    @Test
    void aSemicolonPathParameterCannotRetargetTheRequestToAnotherVm() throws Exception {
        for (String path : List.of("/api/v1/vms/web;reboot", "/api/v1/vms/web;x=1", "/api/v1/vms/web;")) {
            mvc.perform(put(path).contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.errors[0].field").value("name"));
            mvc.perform(delete(path)).andExpect(status().isBadRequest());
        }
        assertThat(service.puts).isEmpty();
        assertThat(service.deletes).isEmpty();
        // Encoded, the ';' is part of the name and fails name validation.
        mvc.perform(put("/api/v1/vms/web%3Breboot").contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isBadRequest());
        assertThat(service.puts).isEmpty();
    }

    @Test
    void theLongestValidNamesAreAccepted() throws Exception {
        mvc.perform(put("/api/v1/vms/{name}", "a".repeat(64)).contentType(MediaType.APPLICATION_JSON)
                .content(with("nics[0].device", "vnet" + "9".repeat(11)))).andExpect(status().isOk());
        assertThat(service.puts).hasSize(1);
    }
}
