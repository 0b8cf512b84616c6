package io.sgagent.api;

import static io.sgagent.api.TestJson.REMOVE;
import static io.sgagent.api.TestJson.edits;
import static io.sgagent.api.TestJson.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

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
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/**
 * Every way a PUT of one VM can be invalid: each answers 400 problem+json whose first error names the field,
 * and the agent is never asked to do anything.
 */
@ApiWebMvcTest
class VmValidationWebTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    FakeSecurityGroupService service;

    @BeforeEach
    void reset() {
        service.reset();
    }

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                // seq
                bad("seq missing", with("seq", REMOVE), "seq", "required"),
                bad("seq null", with("seq", null), "seq", "required"),
                bad("seq negative", with("seq", -1), "seq", ">= 0"),
                bad("seq as string", with("seq", "12"), "seq", "integer"),
                bad("seq fraction", with("seq", 12.5), "seq", "integer"),
                bad("seq boolean", with("seq", true), "seq", "integer"),
                bad("seq too large", with("seq", new java.math.BigInteger("99999999999999999999")), "seq", "range"),
                bad("vmId as string", with("vmId", "7"), "vmId", "integer"),
                // nics
                bad("nics missing", with("nics", REMOVE), "nics", "at least one NIC"),
                bad("nics empty", with("nics", List.of()), "nics", "at least one NIC"),
                bad("nics null element", with("nics[0]", null), "nics[0]", "null"),
                bad("nics not an array", with("nics", Map.of("device", "vnet7")), "nics", "array"),
                bad("mac too short", with("nics[0].mac", "02:00:00:00:00"), "nics[0].mac", "MAC"),
                bad("mac dashes", with("nics[0].mac", "02-00-00-00-00-07"), "nics[0].mac", "MAC"),
                bad("mac multicast", with("nics[0].mac", "01:00:5e:00:00:01"), "nics[0].mac", "unicast"),
                bad("mac zero", with("nics[0].mac", "00:00:00:00:00:00"), "nics[0].mac", "unicast"),
                bad("mac missing", with("nics[0].mac", REMOVE), "nics[0].mac", "required"),
                bad("mac as number", with("nics[0].mac", 2), "nics[0].mac", "string"),
                bad("device missing", with("nics[0].device", REMOVE), "nics[0].device", "required"),
                bad("device with space", with("nics[0].device", "vnet 7"), "nics[0].device", "must match"),
                bad("device leading dash", with("nics[0].device", "-vnet7"), "nics[0].device", "must match"),
                bad("device 16 chars", with("nics[0].device", "abcdefghijklmnop"), "nics[0].device", "15"),
                bad("device duplicate", with("nics[1]", Map.of("device", "vnet7", "mac", "02:00:00:00:00:08")),
                        "nics[1].device", "twice"),
                bad("ipv6 in ipv4", with("nics[0].ipv4[1]", "2001:db8::9"), "nics[0].ipv4[1]", "IPv4"),
                bad("ipv4 in ipv6", with("nics[0].ipv6[0]", "10.1.1.9"), "nics[0].ipv6[0]", "IPv6"),
                bad("ipv4 bad octet", with("nics[0].ipv4[0]", "10.1.1.300"), "nics[0].ipv4[0]", "not an IP"),
                bad("ipv4 inet_aton", with("nics[0].ipv4[0]", "10.1"), "nics[0].ipv4[0]", "not an IP"),
                bad("ipv4 leading zero", with("nics[0].ipv4[0]", "10.01.1.7"), "nics[0].ipv4[0]", "not an IP"),
                bad("ipv4 network", with("nics[0].ipv4[0]", "10.1.1.0/24"), "nics[0].ipv4[0]", "network"),
                bad("ipv4 multicast", with("nics[0].ipv4[0]", "224.0.0.1"), "nics[0].ipv4[0]", "VM address"),
                bad("ipv4 null element", with("nics[0].ipv4[1]", null), "nics[0].ipv4[1]", "null"),
                bad("ipv4 not an array", with("nics[0].ipv4", "10.1.1.7"), "nics[0].ipv4", "array"),
                bad("ipv6 zone", with("nics[0].ipv6[0]", "fe80::1%eth0"), "nics[0].ipv6[0]", "not an IP"),
                bad("ipv6 v4-mapped", with("nics[0].ipv6[0]", "::ffff:10.1.1.9"), "nics[0].ipv6[0]", "IPv4-mapped"),
                bad("address twice in a NIC", with("nics[0].ipv4[1]", "10.1.1.7"), "nics[0].ipv4[1]", "twice"),
                bad("ipv6 twice, other spelling", with("nics[0].ipv6[1]", "2001:DB8:0::7"), "nics[0].ipv6[1]", "twice"),
                bad("address twice across NICs", with("nics[1]", Map.of("device", "vnet8", "mac", "02:00:00:00:00:08",
                        "ipv4", List.of("10.1.1.70"))), "nics[1].ipv4[0]", "twice"),
                // protocol
                bad("protocol unknown", with("ingress[0].protocol", "sctpx"), "ingress[0].protocol", "unknown protocol"),
                bad("protocol 0 string", with("ingress[0].protocol", "0"), "ingress[0].protocol", "0"),
                bad("protocol 0 number", with("ingress[0].protocol", 0), "ingress[0].protocol", "0"),
                bad("protocol 256", with("ingress[0].protocol", 256), "ingress[0].protocol", "1-255"),
                bad("protocol negative", with("ingress[0].protocol", -1), "ingress[0].protocol", "unknown"),
                bad("protocol missing", with("ingress[0].protocol", REMOVE), "ingress[0].protocol", "required"),
                bad("protocol fraction", with("ingress[0].protocol", 6.5), "ingress[0].protocol", "string"),
                bad("protocol boolean", with("ingress[0].protocol", true), "ingress[0].protocol", "string"),
                // ports
                bad("port 0", with("ingress[0].portStart", 0), "ingress[0].portStart", "1-65535"),
                bad("port 65536", edits("ingress[0].portStart", 65536, "ingress[0].portEnd", REMOVE),
                        "ingress[0].portStart", "1-65535"),
                bad("portEnd 70000", with("ingress[0].portEnd", 70000), "ingress[0].portEnd", "1-65535"),
                bad("portStart > portEnd", edits("ingress[0].portStart", 443, "ingress[0].portEnd", 80),
                        "ingress[0].portStart", "greater"),
                bad("only portEnd", with("ingress[0].portStart", REMOVE), "ingress[0].portEnd", "needs portStart"),
                bad("port as string", with("ingress[0].portStart", "22"), "ingress[0].portStart", "integer"),
                bad("port overflows int", with("ingress[0].portStart", 3000000000L), "ingress[0].portStart", "range"),
                bad("ports on icmp", with("ingress[1].portStart", 22), "ingress[1].portStart", "only allowed for tcp"),
                bad("ports on all", with("egress[0].portEnd", 22), "egress[0].portEnd", "only allowed for tcp"),
                bad("ports on number protocol", edits("egress[0].protocol", 47, "egress[0].portStart", 1),
                        "egress[0].portStart", "only allowed for tcp"),
                // icmp
                bad("icmpType on tcp", with("ingress[0].icmpType", 8), "ingress[0].icmpType", "only allowed for icmp"),
                bad("icmpCode on all", with("egress[0].icmpCode", 0), "egress[0].icmpCode", "only allowed for icmp"),
                bad("icmpType 256", with("ingress[1].icmpType", 256), "ingress[1].icmpType", "0-255"),
                bad("icmpType -2", with("ingress[1].icmpType", -2), "ingress[1].icmpType", "0-255"),
                bad("icmpCode 256", with("ingress[1].icmpCode", 256), "ingress[1].icmpCode", "0-255"),
                bad("icmpCode without type", edits("ingress[1].icmpType", -1, "ingress[1].icmpCode", 0),
                        "ingress[1].icmpCode", "needs an icmpType"),
                bad("icmpCode, type absent", edits("ingress[1].icmpType", REMOVE, "ingress[1].icmpCode", 3),
                        "ingress[1].icmpCode", "needs an icmpType"),
                // cidrs
                bad("cidrs missing", with("ingress[0].cidrs", REMOVE), "ingress[0].cidrs", "at least one CIDR"),
                bad("cidrs empty", with("egress[0].cidrs", List.of()), "egress[0].cidrs", "at least one CIDR"),
                bad("cidr host bits", with("ingress[1].cidrs[0]", "10.1.1.7/24"), "ingress[1].cidrs[0]",
                        "did you mean 10.1.1.0/24"),
                bad("cidr v6 host bits", with("ingress[0].cidrs[1]", "2001:db8::1/64"), "ingress[0].cidrs[1]",
                        "host bits"),
                bad("cidr garbage", with("egress[0].cidrs[0]", "anywhere"), "egress[0].cidrs[0]", "not an IP"),
                bad("cidr prefix too long", with("egress[0].cidrs[0]", "10.0.0.0/33"), "egress[0].cidrs[0]", "not an IP"),
                bad("cidr null element", with("egress[0].cidrs[0]", null), "egress[0].cidrs[0]", "null"),
                bad("rule null element", with("ingress[0]", null), "ingress[0]", "null"),
                bad("ingress not an array", with("ingress", "tcp"), "ingress", "array"),
                // unknown fields (Jackson, FAIL_ON_UNKNOWN_PROPERTIES)
                bad("unknown top-level field", with("ingres", List.of()), "ingres", "unknown field"),
                bad("unknown NIC field", with("nics[0].foo", 1), "nics[0].foo", "unknown field"),
                bad("unknown rule field", with("ingress[1].port", 22), "ingress[1].port", "unknown field"),
                bad("name field in body", with("name", "web-1"), "name", "unknown field"));
    }

    private static Arguments bad(String label, String body, String field, String messageFragment) {
        return Arguments.of(label, body, field, messageFragment);
    }

    @ParameterizedTest(name = "{0} -> 400 {2}")
    @MethodSource("invalidBodies")
    void invalidBodyIsRejectedAndChangesNothing(String label, String body, String field, String messageFragment)
            throws Exception {
        putVm("web-1", body)
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.title").value("Invalid request"))
                .andExpect(jsonPath("$.errors[0].field").value(field))
                .andExpect(jsonPath("$.errors[0].message", containsString(messageFragment)))
                .andExpect(jsonPath("$.detail", containsString(field)))
                .andExpect(jsonPath("$.instance").value("/api/v1/vms/web-1"));
        assertThat(service.puts).isEmpty();
    }

    static Stream<Arguments> invalidNames() {
        return Stream.of(
                Arguments.of("bad name", "/api/v1/vms/bad name"),
                Arguments.of("leading dot", "/api/v1/vms/.web"),
                Arguments.of("leading dash", "/api/v1/vms/-web"),
                Arguments.of("colon", "/api/v1/vms/web:1"),
                Arguments.of("65 characters", "/api/v1/vms/" + "a".repeat(65)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidNames")
    void invalidNameIsRejected(String label, String path) throws Exception {
        mvc.perform(put(path).contentType(MediaType.APPLICATION_JSON).content(TestJson.VM))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("name"));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void nameOf64CharactersIsAccepted() throws Exception {
        putVm("a".repeat(64), TestJson.VM).andExpect(status().isOk());
    }

    @Test
    void everyViolationIsListedNotJustTheFirst() throws Exception {
        String body = edits("seq", -5, "nics[0].mac", "zz", "nics[0].ipv4[1]", "2001:db8::1",
                "ingress[0].portStart", 0, "ingress[1].cidrs[0]", "10.1.1.7/24", "egress[0].protocol", "bogus");
        putVm("web-1", body)
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors", hasSize(6)))
                .andExpect(jsonPath("$.errors[*].field").value(org.hamcrest.Matchers.containsInAnyOrder(
                        "seq", "nics[0].mac", "nics[0].ipv4[1]", "ingress[0].portStart", "ingress[1].cidrs[0]",
                        "egress[0].protocol")));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void badNameAndBadBodyAreReportedTogether() throws Exception {
        mvc.perform(put("/api/v1/vms/-x").contentType(MediaType.APPLICATION_JSON).content(with("seq", REMOVE)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("name"))
                .andExpect(jsonPath("$.errors[1].field").value("seq"));
    }

    @Test
    void malformedJsonIs400() throws Exception {
        putVm("web-1", "{\"seq\": 1, \"nics\": [")
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].message", containsString("malformed JSON")));
        putVm("web-1", "{\"seq\": 1} trailing")
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        putVm("web-1", "{'seq': 1}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("body"));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void duplicateKeysAreRejected() throws Exception {
        String body = TestJson.VM.replace("\"seq\": 12,", "\"seq\": 12, \"seq\": 13,");
        putVm("web-1", body)
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].message", containsString("Duplicate Object property \"seq\"")));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void missingEmptyNullOrNonObjectBodyIs400() throws Exception {
        putVm("web-1", "").andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("body"));
        putVm("web-1", "null").andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        putVm("web-1", "[]").andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("body"))
                .andExpect(jsonPath("$.errors[0].message").value("must be an object"));
        putVm("web-1", "\"vm\"").andExpect(status().isBadRequest());
        putVm("web-1", "{}").andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("seq"))
                .andExpect(jsonPath("$.errors[1].field").value("nics"));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void deeplyNestedJsonIs400Not500() throws Exception {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        putVm("web-1", "{\"seq\":1,\"nics\":" + deep + "}")
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void wrongContentTypeIs415Problem() throws Exception {
        mvc.perform(put("/api/v1/vms/web-1").contentType(MediaType.TEXT_PLAIN).content(TestJson.VM))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        assertThat(service.puts).isEmpty();
    }

    @Test
    void problemBodiesNeverLeakJavaClassNames() throws Exception {
        putVm("web-1", with("seq", "x"))
                .andExpect(status().isBadRequest())
                .andExpect(content().string(not(containsString("java."))))
                .andExpect(content().string(not(containsString("io.sgagent"))));
    }

    @Test
    void aBodyWithThousandsOfBadValuesListsTheFirstHundredAndCountsTheRest() throws Exception {
        List<String> cidrs = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            cidrs.add("bad-" + i);
        }
        putVm("web-1", with("ingress[0].cidrs", cidrs))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors", hasSize(ApiExceptionHandler.MAX_LISTED_VIOLATIONS)))
                .andExpect(jsonPath("$.errors[0].field").value("ingress[0].cidrs[0]"))
                .andExpect(jsonPath("$.errorsOmitted").value(50));
        assertThat(service.puts).isEmpty();
    }

    private ResultActions putVm(String name, String body) throws Exception {
        return mvc.perform(put("/api/v1/vms/{name}", name).contentType(MediaType.APPLICATION_JSON).content(body));
    }
}
