package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.reconcile.Actor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** With an empty token the API is open. */
@ApiWebMvcTest(properties = "sgagent.api.token=")
class ApiNoTokenWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @Test
    void everythingPasses() throws Exception {
        mvc.perform(get("/api/v1/vms")).andExpect(status().isOk());
        mvc.perform(get("/api/v1/vms").header(HttpHeaders.AUTHORIZATION, "Bearer anything"))
                .andExpect(status().isOk());
    }

    @Test
    void writesAreAuditedAsAnonymousEvenWithAnUncheckedBearerHeader() throws Exception {
        service.reset();
        mvc.perform(put("/api/v1/vms/web-1").header(HttpHeaders.AUTHORIZATION, "Bearer anything")
                .contentType(MediaType.APPLICATION_JSON).content(TestJson.VM)).andExpect(status().isOk());
        assertThat(service.actors).containsExactly(Actor.ANONYMOUS);
    }
}
