package io.sgagent.api;

import static io.sgagent.api.TestJson.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The conntrackLimit field of a VM body (issue 12): range checks name the field; valid values reach the model. */
@ApiWebMvcTest
class ConntrackLimitWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "10000001", "99999999999", "\"100\"", "1.5", "true"})
    void badLimitsAre400NamingTheFieldAndChangeNothing(String value) throws Exception {
        String body = with("conntrackLimit", 0).replace("\"conntrackLimit\": 0", "\"conntrackLimit\": " + value)
                .replace("\"conntrackLimit\":0", "\"conntrackLimit\":" + value);
        mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("conntrackLimit"))
                .andExpect(jsonPath("$.detail", containsString("conntrackLimit")));
        assertThat(service.puts).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 20000, 10_000_000})
    void validLimitsReachTheModel(int value) throws Exception {
        mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON)
                        .content(with("conntrackLimit", value)))
                .andExpect(status().isOk());
        assertThat(service.puts).singleElement().satisfies(vm -> assertThat(vm.conntrackLimit()).isEqualTo(value));
    }

    @org.junit.jupiter.api.Test
    void anAbsentLimitMeansTheHostDefault() throws Exception {
        mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isOk());
        assertThat(service.puts).singleElement().satisfies(vm -> assertThat(vm.conntrackLimit()).isNull());
    }

    @org.junit.jupiter.api.Test
    void theStatusEchoesTheVmsOwnLimitAndOmitsTheDefault() throws Exception {
        mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.APPLICATION_JSON)
                        .content(with("conntrackLimit", 500)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.conntrackLimit").value(500));
        mvc.perform(put("/api/v1/vms/web-2").contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.conntrackLimit").doesNotExist());
    }
}
