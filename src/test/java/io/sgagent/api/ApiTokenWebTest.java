package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.sgagent.reconcile.Actor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The bearer-token filter, as registered by {@link ApiConfiguration} for {@code /api/*}, with a token set. */
@ApiWebMvcTest(properties = "sgagent.api.token=" + ApiTokenWebTest.TOKEN)
class ApiTokenWebTest {
    static final String TOKEN = "s3cret-token-42";

    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    @Test
    void noTokenIs401Problem() throws Exception {
        mvc.perform(get("/api/v1/vms"))
                .andExpect(status().isUnauthorized())
                .andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sg-agent\""))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(401))
                .andExpect(jsonPath("$.title").value("Unauthorized"))
                .andExpect(jsonPath("$.instance").value("/api/v1/vms"));
    }

    @Test
    void wrongTokenIs401AndReachesNothing() throws Exception {
        for (String value : new String[] {"Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1),
                "Bearer ", "Basic " + TOKEN, TOKEN}) {
            mvc.perform(put("/api/v1/vms/web-1").header(HttpHeaders.AUTHORIZATION, value)
                            .contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                    .andExpect(status().isUnauthorized())
                    .andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE,
                            org.hamcrest.Matchers.startsWith("Bearer")))
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        }
        assertThat(service.puts).isEmpty();
    }

    @Test
    void rightTokenPasses() throws Exception {
        mvc.perform(put("/api/v1/vms/web-1").header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                        .contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isOk());
        mvc.perform(get("/api/v1/vms").header(HttpHeaders.AUTHORIZATION, "bearer " + TOKEN))
                .andExpect(status().isOk());
        mvc.perform(get("/api/v1/conntrack").header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN))
                .andExpect(status().isOk());
        assertThat(service.puts).hasSize(1);
        mvc.perform(delete("/api/v1/vms/web-1").header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN))
                .andExpect(status().isNoContent());
        assertThat(service.actors).as("the audit log names the token as the actor").containsExactly(Actor.TOKEN,
                Actor.TOKEN);
    }

    @Test
    void authComesBeforeValidation() throws Exception {
        mvc.perform(put("/api/v1/vms/-bad").contentType(MediaType.APPLICATION_JSON).content("{"))
                .andExpect(status().isUnauthorized());
    }

    @Test
    void pathsOutsideApiAreNotFiltered() throws Exception {
        mvc.perform(get("/not-api")).andExpect(status().isNotFound());
    }
}
