package io.sgagent.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.api.common.DevicePolicy;
import io.sgagent.api.common.RequestActors;
import io.sgagent.config.SgAgentProperties.Limits;
import io.sgagent.reconcile.Actor;
import io.sgagent.reconcile.SecurityGroupService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/** The CloudStack endpoints as the client script calls them: JSON options in, exit code and message out. */
@WebMvcTest(controllers = CloudStackController.class)
@Import(CloudStackWebTest.Wiring.class)
class CloudStackWebTest {
    static final String START = """
            {"vmname":"i-2-7-VM","vmid":"7","vmip":"10.1.1.7","vmip6":"2001:db8::7","vmmac":"1e:00:b4:00:00:07",
             "vif":"vnet7","brname":"cloudbr0","nicsecips":"0;","isFirstNic":true,"domid":"12"}""";
    static final String RULES = """
            {"vmname":"i-2-7-VM","vmid":"7","vmip":"10.1.1.7","sig":"c0ffee","seq":"1","vmmac":"1e:00:b4:00:00:07",
             "vif":"vnet7","brname":"cloudbr0","nicsecips":"0;","domid":"12",
             "rules":"I:tcp;22;22;0.0.0.0/0,::/0,NEXT;I:all;0;0;10.0.0.0/8,NEXT;"}""";

    /**
     * The adapter over the in-memory agent. Deliberately not a {@code @Configuration}/{@code @TestConfiguration}: the
     * kernel ITs start the real application with test classes on the classpath, where a scannable configuration
     * would add a second adapter and service. Imported explicitly, its {@code @Bean} methods still count.
     */
    static class Wiring {
        @Bean
        FakeService fakeService() {
            return new FakeService();
        }

        @Bean
        CloudStackAdapter cloudStackAdapter(SecurityGroupService service) {
            return new CloudStackAdapter(service, new MemoryViewStore(), Limits.defaults(), DevicePolicy.nameOnly(),
                    RequestActors::current);
        }
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    FakeService service;
    @Autowired
    CloudStackAdapter adapter;

    @BeforeEach
    void reset() throws Exception {
        service.failing = null;
        for (CloudStackVm view : adapter.views()) {
            adapter.destroy(CloudStackAdapterTest.call("vmname", view.name()));
        }
        service.puts.clear();
        service.actors.clear();
    }

    private ResultActions call(String command, String json) throws Exception {
        return mvc.perform(post("/api/v1/cloudstack/" + command).contentType(MediaType.APPLICATION_JSON).content(json));
    }

    @Test
    void aVmStartAndItsRules() throws Exception {
        call("default_network_rules", START)
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.command").value("default_network_rules"))
                .andExpect(jsonPath("$.outcome").value("applied"))
                .andExpect(jsonPath("$.exitCode").value(0))
                .andExpect(jsonPath("$.agentSeq").value(1));
        call("add_network_rules", RULES)
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.outcome").value("applied"))
                .andExpect(jsonPath("$.message").value("programmed: rules seq 1 of i-2-7-VM"));
        call("add_network_rules", RULES).andExpect(jsonPath("$.outcome").value("duplicate"));
        assertThat(service.puts).hasSize(2);
        assertThat(service.actors).as("no auth filter in this slice: the audit log says anonymous")
                .containsExactly(Actor.ANONYMOUS, Actor.ANONYMOUS);
        mvc.perform(get("/api/v1/cloudstack/get_rule_logs_for_vms"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_PLAIN))
                .andExpect(content().string("i-2-7-VM,7,10.1.1.7,12,c0ffee,1\n"));
        mvc.perform(get("/api/v1/cloudstack/vms"))
                .andExpect(jsonPath("$[0].name").value("i-2-7-VM"))
                .andExpect(jsonPath("$[0].inForce").value(true))
                .andExpect(jsonPath("$[0].nics[0].vif").value("vnet7"));
    }

    @Test
    void emptyRuleLogsAreAnEmptyLine() throws Exception {
        mvc.perform(get("/api/v1/cloudstack/get_rule_logs_for_vms")).andExpect(content().string("\n"));
    }

    @Test
    void badOptionsAre400ProblemsNamingTheOption() throws Exception {
        call("default_network_rules", START);
        call("add_network_rules", RULES.replace("0.0.0.0/0,::/0", "0.0.0.0/0,300.1.1.1"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("rules[0]"));
        call("default_network_rules", "{\"vmname\":\"i-2-7-VM\",\"vmid\":\"x\"}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("--vmid"));
        call("default_network_rules", "{\"vmname\":\"i-2-7-VM\",\"directrouted\":\"sure\"}")
                .andExpect(status().isBadRequest());
    }

    @Test
    void refusalsMapToProblems() throws Exception {
        call("default_network_rules", START);
        service.failing = "injected";
        call("add_network_rules", RULES)
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:apply-failed"))
                .andExpect(jsonPath("$.detail").value("injected"));
        service.failing = null;
        call("network_rules_vmSecondaryIp", """
                {"vmname":"i-5-5-VM","vmmac":"1e:00:b4:00:00:05","nicsecips":"10.5.5.5","action":"-A"}""")
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:cloudstack-unknown-vm"));
        call("default_network_rules", START.replace("i-2-7-VM", "i-3-8-VM").replace("vnet7", "vnet8")
                .replace("1e:00:b4:00:00:07", "1e:00:b4:00:00:08"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.type").value("urn:sgagent:problem:host-conflict"))
                .andExpect(jsonPath("$.detail").value("address 10.1.1.7 belongs to VM i-2-7-VM"));
    }

    @Test
    void verifyReportsItsExitCodeInTheBody() throws Exception {
        call("default_network_rules", START);
        call("verify_network_rules", """
                {"vmname":"i-2-7-VM","vmip":"10.1.1.99","vmmac":"1e:00:b4:00:00:07","vif":"vnet7"}""")
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.exitCode").value(2));
    }

    @Test
    void cleanupNeedsTheRunningList() throws Exception {
        call("default_network_rules", START);
        call("cleanup_rules", "{}").andExpect(status().isBadRequest());
        call("cleanup_rules", "{\"running\":[\"r-1-VM\"]}")
                .andExpect(jsonPath("$.outcome").value("removed"));
        assertThat(service.stored).isEmpty();
    }

    @Test
    void systemVmAndMetadataCommandsAreAccepted() throws Exception {
        call("default_network_rules_systemvm", "{\"vmname\":\"r-4-VM\",\"localbrname\":\"cloud0\"}")
                .andExpect(jsonPath("$.outcome").value("accepted"))
                .andExpect(jsonPath("$.exitCode").value(0));
        call("post_default_network_rules", "{\"vmname\":\"i-2-7-VM\",\"dhcpSvr\":\"10.1.1.1\"}")
                .andExpect(jsonPath("$.outcome").value("accepted"));
        call("can_bridge_firewall", "{\"privnic\":\"cloudbr0\"}").andExpect(jsonPath("$.outcome").value("ready"));
        assertThat(service.puts).isEmpty();
    }
}
