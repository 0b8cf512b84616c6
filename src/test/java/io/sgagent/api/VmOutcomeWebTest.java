package io.sgagent.api;

import static io.sgagent.api.TestJson.edits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.model.Protocol;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/** Valid requests: what reaches the agent, the JSON that comes back, and how each outcome maps to a status. */
@ApiWebMvcTest
class VmOutcomeWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    @Test
    void appliedPutAnswers200WithTheNormalisedVm() throws Exception {
        String body = edits("nics[0].mac", "02:AB:00:00:00:07", "nics[0].ipv6[0]", "2001:DB8:0:0::7",
                "ingress[0].protocol", "6", "ingress[0].portEnd", TestJson.REMOVE,
                "ingress[1].cidrs[0]", "10.0.0.0/8", "egress[0].cidrs[1]", "2001:db8::/32");
        putVm("web-1", body)
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.name").value("web-1"))
                .andExpect(jsonPath("$.vmId").value(7))
                .andExpect(jsonPath("$.seq").value(12))
                .andExpect(jsonPath("$.nics[0].device").value("vnet7"))
                .andExpect(jsonPath("$.nics[0].mac").value("02:ab:00:00:00:07"))
                .andExpect(jsonPath("$.nics[0].ipv4[0]").value("10.1.1.7"))
                .andExpect(jsonPath("$.nics[0].ipv4[1]").value("10.1.1.70"))
                .andExpect(jsonPath("$.nics[0].ipv6[0]").value("2001:db8::7"))
                .andExpect(jsonPath("$.ingress[0].protocol").value("tcp"))
                .andExpect(jsonPath("$.ingress[0].portStart").value(22))
                .andExpect(jsonPath("$.ingress[0].portEnd").value(22))
                .andExpect(jsonPath("$.ingress[0].icmpType").doesNotExist())
                .andExpect(jsonPath("$.ingress[0].cidrs[0]").value("0.0.0.0/0"))
                .andExpect(jsonPath("$.ingress[0].cidrs[1]").value("::/0"))
                .andExpect(jsonPath("$.ingress[1].protocol").value("icmp"))
                .andExpect(jsonPath("$.ingress[1].icmpType").value(8))
                .andExpect(jsonPath("$.ingress[1].icmpCode").value(-1))
                .andExpect(jsonPath("$.ingress[1].portStart").doesNotExist())
                .andExpect(jsonPath("$.egress[0].protocol").value("all"))
                .andExpect(jsonPath("$.egress[0].cidrs[1]").value("2001:db8::/32"))
                .andExpect(jsonPath("$.notrack.ipv4").value(false))
                .andExpect(jsonPath("$.notrack.ipv6").value(false))
                .andExpect(jsonPath("$.appliedAt").value("2026-11-26T10:15:30.123Z"));
        assertThat(service.puts).hasSize(1);
        Vm vm = service.puts.get(0);
        assertThat(vm.name()).isEqualTo("web-1");
        assertThat(vm.seq()).isEqualTo(12);
        assertThat(vm.ingress().get(0).protocol()).isEqualTo(Protocol.TCP);
        assertThat(vm.ingress().get(0).ports().start()).isEqualTo(22);
        assertThat(vm.ingress().get(0).ports().end()).isEqualTo(22);
    }

    @Test
    void protocolMayBeAJsonNumber() throws Exception {
        putVm("gre-1", edits("ingress[0].protocol", 47, "ingress[0].portStart", TestJson.REMOVE,
                "ingress[0].portEnd", TestJson.REMOVE, "egress[0].protocol", 17))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.ingress[0].protocol").value("47"))
                .andExpect(jsonPath("$.egress[0].protocol").value("udp"))
                .andExpect(jsonPath("$.egress[0].portStart").value(1))
                .andExpect(jsonPath("$.egress[0].portEnd").value(65535));
        assertThat(service.puts.get(0).ingress().get(0).protocol().number()).isEqualTo(47);
    }

    @Test
    void allowAllVmReportsNotrack() throws Exception {
        putVm("proxy-1", ApiExamples.ALLOW_ALL_REQUEST)
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.notrack.ipv4").value(true))
                .andExpect(jsonPath("$.notrack.ipv6").value(true))
                .andExpect(jsonPath("$.egress", hasSize(0)));
    }

    @Test
    void unchangedIs200() throws Exception {
        service.putBehaviour = vm -> new PutOutcome.Unchanged(FakeSecurityGroupService.statusOf(vm));
        putVm("web-1", TestJson.VM).andExpect(status().isOk()).andExpect(jsonPath("$.seq").value(12));
    }

    @Test
    void staleSeqIs409() throws Exception {
        service.putBehaviour = vm -> new PutOutcome.StaleSeq(12, 15);
        putVm("web-1", TestJson.VM)
                .andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:stale-seq"))
                .andExpect(jsonPath("$.detail").value("seq 12 is lower than the stored seq 15"))
                .andExpect(jsonPath("$.currentSeq").value(15))
                .andExpect(jsonPath("$.requestedSeq").value(12));
    }

    @Test
    void seqReusedIs409() throws Exception {
        service.putBehaviour = vm -> new PutOutcome.SeqReused(12);
        putVm("web-1", TestJson.VM)
                .andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:seq-reused"))
                .andExpect(jsonPath("$.detail", containsString("different content")));
    }

    @Test
    void conflictIs409() throws Exception {
        service.putBehaviour = vm -> new PutOutcome.Conflict("device vnet7 already belongs to VM db-1");
        putVm("web-1", TestJson.VM)
                .andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:host-conflict"))
                .andExpect(jsonPath("$.detail").value("device vnet7 already belongs to VM db-1"));
    }

    @Test
    void kernelFailureIs503WithTheKernelsMessage() throws Exception {
        service.putBehaviour = vm -> new PutOutcome.Failed("iptables-restore v1.8.9: line 12 failed");
        putVm("web-1", TestJson.VM)
                .andExpect(status().isServiceUnavailable())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(503))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:apply-failed"))
                .andExpect(jsonPath("$.detail").value("iptables-restore v1.8.9: line 12 failed"));
    }

    @Test
    void getAndList() throws Exception {
        mvc.perform(get("/api/v1/vms/web-1"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:vm-not-found"))
                .andExpect(jsonPath("$.detail").value("no VM named 'web-1'"));
        mvc.perform(get("/api/v1/vms")).andExpect(status().isOk()).andExpect(jsonPath("$.vms", hasSize(0)));

        putVm("web-2", TestJson.VM.replace("vnet7", "vnet2")).andExpect(status().isOk());
        putVm("web-1", edits("nics[0].ipv4", java.util.List.of("10.9.9.9"), "nics[0].ipv6", java.util.List.of()))
                .andExpect(status().isOk());

        mvc.perform(get("/api/v1/vms/web-1"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.name").value("web-1"))
                .andExpect(jsonPath("$.nics[0].ipv4[0]").value("10.9.9.9"))
                .andExpect(jsonPath("$.nics[0].ipv6", hasSize(0)));
        mvc.perform(get("/api/v1/vms"))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.vms", hasSize(2)))
                .andExpect(jsonPath("$.vms[0].name").value("web-1"))
                .andExpect(jsonPath("$.vms[1].name").value("web-2"))
                .andExpect(jsonPath("$.vms[1].notrack.ipv4").value(false));
    }

    @Test
    void getWithInvalidNameIs400() throws Exception {
        for (String path : new String[] {"/api/v1/vms/-a", "/api/v1/vms/-a/ruleset"}) {
            mvc.perform(get(path))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.errors[0].field").value("name"));
        }
        mvc.perform(delete("/api/v1/vms/" + "x".repeat(65)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("name"));
        assertThat(service.deletes).isEmpty();
    }

    @Test
    void deleteOutcomes() throws Exception {
        mvc.perform(delete("/api/v1/vms/web-1"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        putVm("web-1", TestJson.VM).andExpect(status().isOk());
        mvc.perform(delete("/api/v1/vms/web-1"))
                .andExpect(status().isNoContent())
                .andExpect(content().string(""));
        service.deleteBehaviour = name -> new DeleteOutcome.Failed("ipset v7.17: Set cannot be destroyed: it is in use");
        mvc.perform(delete("/api/v1/vms/web-1"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("ipset v7.17: Set cannot be destroyed: it is in use"));
        assertThat(service.deletes).containsExactly("web-1", "web-1", "web-1");
    }

    @Test
    void rulesetIsPlainTextOr404Problem() throws Exception {
        mvc.perform(get("/api/v1/vms/web-1/ruleset").accept(MediaType.TEXT_PLAIN))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(404));
        mvc.perform(get("/api/v1/vms/web-1/ruleset"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        putVm("web-1", TestJson.VM).andExpect(status().isOk());
        mvc.perform(get("/api/v1/vms/web-1/ruleset"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_PLAIN))
                .andExpect(content().string(containsString("*filter")));
    }

    @Test
    void conntrackReport() throws Exception {
        mvc.perform(get("/api/v1/conntrack"))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.entries").value(1834))
                .andExpect(jsonPath("$.limit").value(262144))
                .andExpect(jsonPath("$.usage").value(1834.0 / 262144))
                .andExpect(jsonPath("$.notrackSetEntries.ipv4").value(4))
                .andExpect(jsonPath("$.notrackSetEntries.ipv6").value(6))
                .andExpect(jsonPath("$.stats.insert_failed").value(2))
                .andExpect(jsonPath("$.stats.early_drop").value(1))
                .andExpect(jsonPath("$.stats.drop").value(0));
    }

    @Test
    void unexpectedExceptionIs500ProblemWithoutInternals() throws Exception {
        service.failWith = new IllegalStateException("secret internal state: /var/lib/sg-agent/state.json");
        for (ResultActions result : new ResultActions[] {putVm("web-1", TestJson.VM), mvc.perform(get("/api/v1/vms"))}) {
            result.andExpect(status().isInternalServerError())
                    .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.status").value(500))
                    .andExpect(jsonPath("$.title").value("Internal error"))
                    .andExpect(content().string(not(containsString("secret"))))
                    .andExpect(content().string(not(containsString("Exception"))))
                    .andExpect(content().string(not(containsString("at io."))));
        }
    }

    @Test
    void springsOwnErrorsAreProblems() throws Exception {
        mvc.perform(get("/api/v1/nothing-here"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(post("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isMethodNotAllowed())
                .andExpect(header().exists("Allow"))
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(get("/api/v1/vms/web-1").accept(MediaType.APPLICATION_XML))
                .andExpect(status().isNotAcceptable());
    }

    private ResultActions putVm(String name, String body) throws Exception {
        return mvc.perform(put("/api/v1/vms/{name}", name).contentType(MediaType.APPLICATION_JSON).content(body));
    }
}
