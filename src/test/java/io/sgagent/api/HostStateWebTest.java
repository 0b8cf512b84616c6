package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.reconcile.ReplaceOutcome;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/** {@code PUT /api/v1/vms}: the full host state. */
@ApiWebMvcTest
class HostStateWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    @Test
    void replacesAndReportsRemovedVms() throws Exception {
        service.stored.put("old-1", FakeSecurityGroupService.statusOf(
                VmRequestMapper.toVm("old-1", TestJson.MAPPER.readValue(TestJson.VM.replace("vnet7", "vnet1"),
                        VmRequest.class))));
        replace(ApiExamples.HOST_STATE_REQUEST)
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.vms", hasSize(2)))
                .andExpect(jsonPath("$.vms[0].name").value("proxy-1"))
                .andExpect(jsonPath("$.vms[0].notrack.ipv4").value(true))
                .andExpect(jsonPath("$.vms[0].nics[0].ipv6", hasSize(0)))
                .andExpect(jsonPath("$.vms[1].name").value("web-1"))
                .andExpect(jsonPath("$.vms[1].ingress[0].portStart").value(22))
                .andExpect(jsonPath("$.vms[1].ingress[0].portEnd").value(22))
                .andExpect(jsonPath("$.removed", hasSize(1)))
                .andExpect(jsonPath("$.removed[0]").value("old-1"));
        assertThat(service.replaces).hasSize(1);
        assertThat(service.replaces.get(0).vms()).containsOnlyKeys("web-1", "proxy-1");
    }

    @Test
    void emptyMapRemovesEverythingButMissingMapIsRejected() throws Exception {
        replace("{\"vms\": {}}").andExpect(status().isOk()).andExpect(jsonPath("$.vms", hasSize(0)));
        assertThat(service.replaces).hasSize(1);
        replace("{}")
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("vms"));
        replace("{\"vms\": null}").andExpect(status().isBadRequest()).andExpect(jsonPath("$.errors[0].field").value("vms"));
        replace("{\"vms\": []}").andExpect(status().isBadRequest()).andExpect(jsonPath("$.errors[0].field").value("vms"));
        assertThat(service.replaces).hasSize(1);
    }

    @Test
    void fieldsArePrefixedWithTheVmName() throws Exception {
        String body = "{\"vms\": {\"web-1\": " + TestJson.with("nics[0].mac", "nope") + ", \"db-1\": "
                + TestJson.with("ingress[0].portStart", 0).replace("vnet7", "vnet9") + "}}";
        replace(body)
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors", hasSize(2)))
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1].nics[0].mac"))
                .andExpect(jsonPath("$.errors[1].field").value("vms[db-1].ingress[0].portStart"));
        assertThat(service.replaces).isEmpty();
    }

    @Test
    void invalidVmNameAndMissingSeqAndNullVm() throws Exception {
        replace("{\"vms\": {\"bad name\": " + TestJson.VM + "}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms[bad name]"));
        replace("{\"vms\": {\"web-1\": " + TestJson.with("seq", TestJson.REMOVE) + "}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1].seq"));
        replace("{\"vms\": {\"web-1\": null}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1]"));
        assertThat(service.replaces).isEmpty();
    }

    @Test
    void jacksonErrorsNameTheVmToo() throws Exception {
        replace("{\"vms\": {\"web-1\": " + TestJson.with("nics[0].foo", 1) + "}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1].nics[0].foo"));
        replace("{\"vms\": {\"web-1\": " + TestJson.with("seq", "twelve") + "}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vms[web-1].seq"));
        replace("{\"vm\": {}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("vm"));
        assertThat(service.replaces).isEmpty();
    }

    @Test
    void twoVmsClaimingOneAddressIs409AndChangesNothing() throws Exception {
        String body = "{\"vms\": {\"web-1\": " + TestJson.VM + ", \"web-2\": "
                + TestJson.VM.replace("vnet7", "vnet8").replace("02:00:00:00:00:07", "02:00:00:00:00:08")
                .replace("\"10.1.1.7\", ", "") + "}}";
        replace(body)
                .andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:host-conflict"))
                .andExpect(jsonPath("$.detail").value("address 10.1.1.70 is claimed by VMs web-1 and web-2"));
        assertThat(service.replaces).isEmpty();
    }

    @Test
    void rejectedIs409ListingReasons() throws Exception {
        service.replaceBehaviour = desired -> new ReplaceOutcome.Rejected(
                List.of("web-1: seq 12 is lower than the stored seq 13", "proxy-1: seq 3 was reused"));
        replace(ApiExamples.HOST_STATE_REQUEST)
                .andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.reasons", hasSize(2)))
                .andExpect(jsonPath("$.reasons[1]").value("proxy-1: seq 3 was reused"))
                .andExpect(jsonPath("$.detail", containsString("web-1: seq 12")));
    }

    @Test
    void failedIs503() throws Exception {
        service.replaceBehaviour = desired -> new ReplaceOutcome.Failed("iptables-restore: COMMIT failed");
        replace(ApiExamples.HOST_STATE_REQUEST)
                .andExpect(status().isServiceUnavailable())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("iptables-restore: COMMIT failed"));
    }

    private ResultActions replace(String body) throws Exception {
        return mvc.perform(put("/api/v1/vms").contentType(MediaType.APPLICATION_JSON).content(body));
    }
}
