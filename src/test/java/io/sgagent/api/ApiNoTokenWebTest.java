package io.sgagent.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.MockMvc;

/** With an empty token the API is open. */
@ApiWebMvcTest(properties = "sgagent.api.token=")
class ApiNoTokenWebTest {
    @Autowired
    MockMvc mvc;

    @Test
    void everythingPasses() throws Exception {
        mvc.perform(get("/api/v1/vms")).andExpect(status().isOk());
        mvc.perform(get("/api/v1/vms").header(HttpHeaders.AUTHORIZATION, "Bearer anything"))
                .andExpect(status().isOk());
    }
}
