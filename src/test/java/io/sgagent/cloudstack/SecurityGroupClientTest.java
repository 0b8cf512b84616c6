package io.sgagent.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The client script {@code cloudstack/security_group.py} against a scripted stand-in for the agent: the requests it
 * makes from CloudStack's argv, and its exit codes and output for each kind of answer. (The kernel tests run it
 * against the real agent.)
 */
class SecurityGroupClientTest {
    static final Path SCRIPT = Path.of("cloudstack", "security_group.py").toAbsolutePath();
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;
    HttpServer server;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile int status = 200;
    volatile String contentType = "application/json";
    volatile String body = "{\"exitCode\":0,\"message\":\"done\"}";
    volatile boolean chunked;

    record Request(String method, String path, String authorization, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    record Result(int exit, String stdout, String stderr) {
    }

    @BeforeEach
    void start() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3 (the script's #! line)");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        Files.writeString(dir.resolve("token"), "t0ken\nsecond line ignored\n");
        Files.createDirectories(dir.resolve("qemu"));
        Files.writeString(dir.resolve("qemu/i-2-7-VM.xml"), "<domstatus state='running' pid='99'>\n"
                + "  <qemuCaps><flag name='kvm'/></qemuCaps>\n  <domain type='kvm' id='23'>\n  <name>i-2-7-VM</name>\n"
                + "  </domain>\n</domstatus>\n");
        Files.writeString(dir.resolve("qemu/r-4-VM.xml"), "<domstatus><domain type=\"kvm\" id=\"4\"/></domstatus>");
        Files.writeString(dir.resolve("qemu/i-2-7-VM.pid"), "99");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String content = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"), content));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, chunked ? 0 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Result run(Map<String, String> extraEnv, String... argv) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(argv));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("SGAGENT_"));
        Map<String, String> env = new HashMap<>(Map.of(
                "SGAGENT_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                "SGAGENT_TOKEN_FILE", dir.resolve("token").toString(),
                "SGAGENT_LIBVIRT_RUN_DIR", dir.resolve("qemu").toString(),
                "SGAGENT_LOG", dir.resolve("client.log").toString()));
        env.putAll(extraEnv);
        builder.environment().putAll(env);
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("finished").isTrue();
        return new Result(process.exitValue(), out.get(), err.get());
    }

    private Result run(String... argv) throws Exception {
        return run(Map.of(), argv);
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void defaultNetworkRulesSendsEveryOptionTheDomainIdAndLibvirtsDomains() throws Exception {
        Result result = run("default_network_rules", "--vmname", "i-2-7-VM", "--vmid", "7", "--vmip", "10.1.1.7",
                "--vmip6", "2001:db8::7", "--vmmac", "1e:00:b4:00:00:07", "--vif", "vnet7", "--brname", "cloudbr0",
                "--nicsecips", "10.1.1.70;10.1.1.71;", "--isFirstNic");
        assertThat(result).isEqualTo(new Result(0, "done\n", ""));
        Request request = requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v1/cloudstack/default_network_rules");
        assertThat(request.authorization()).isEqualTo("Bearer t0ken");
        JsonNode json = request.json();
        assertThat(json.get("vmname").asString()).isEqualTo("i-2-7-VM");
        assertThat(json.get("nicsecips").asString()).as("';' is literal").isEqualTo("10.1.1.70;10.1.1.71;");
        assertThat(json.get("isFirstNic").asBoolean()).isTrue();
        assertThat(json.has("check")).isFalse();
        assertThat(json.get("domid").asString()).isEqualTo("23");
        assertThat(json.get("running").toString()).isEqualTo("[\"i-2-7-VM\",\"r-4-VM\"]");
        assertThat(Files.readString(dir.resolve("client.log"))).contains("default_network_rules i-2-7-VM exit=0");
    }

    @Test
    void theRuleStringArrivesByteForByte() throws Exception {
        String rules = "I:tcp;22;22;0.0.0.0/0,::/0,NEXT;E:all;0;0;0.0.0.0/0,NEXT;\"odd\\\u00e9";
        run("add_network_rules", "--vmname", "i-2-7-VM", "--vmid", "7", "--sig", "s", "--seq", "1", "--rules", rules);
        assertThat(requests.get(0).json().get("rules").asString()).isEqualTo(rules);
    }

    @Test
    void actionWithAndWithoutEquals() throws Exception {
        run("network_rules_vmSecondaryIp", "--vmname", "i-2-7-VM", "--vmmac", "1e:00:b4:00:00:07", "--nicsecips",
                "10.1.1.70", "--action=-A");
        run("network_rules_vmSecondaryIp", "--vmname", "i-2-7-VM", "--vmmac", "1e:00:b4:00:00:07", "--nicsecips",
                "10.1.1.70", "--action", "-D");
        assertThat(requests).extracting(r -> r.json().get("action").asString()).containsExactly("-A", "-D");
        assertThat(requests.get(0).json().has("domid")).as("only where CloudStack's tuple needs it").isFalse();
    }

    @Test
    void theExitCodeOfAnAnswerIsTheScriptsExitCode() throws Exception {
        body = "{\"exitCode\":4,\"message\":\"NIC vnet9 is not programmed for i-2-7-VM\"}";
        Result result = run("verify_network_rules", "--vmname", "i-2-7-VM", "--vmip", "10.1.1.7", "--vmmac",
                "1e:00:b4:00:00:07", "--vif", "vnet9");
        assertThat(result).isEqualTo(new Result(4, "NIC vnet9 is not programmed for i-2-7-VM\n", ""));
    }

    @Test
    void aRefusalExitsOneWithTheProblemsDetail() throws Exception {
        status = 503;
        contentType = "application/problem+json";
        body = "{\"type\":\"urn:sgagent:problem:apply-failed\",\"title\":\"Kernel apply failed\",\"status\":503,"
                + "\"detail\":\"iptables-restore: line 3 failed\"}";
        chunked = true;
        Result result = run("add_network_rules", "--vmname", "i-2-7-VM", "--vmid", "7", "--sig", "s", "--seq", "2");
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr()).contains("HTTP 503").contains("iptables-restore: line 3 failed");
    }

    @Test
    void verifyPrintsNothingWhenTheRulesAreInPlace() throws Exception {
        body = "{\"exitCode\":0,\"message\":\"NIC vnet7 of i-2-7-VM is programmed\"}";
        Result result = run("verify_network_rules", "--vmname", "i-2-7-VM", "--vmip", "10.1.1.7", "--vmmac",
                "1e:00:b4:00:00:07");
        assertThat(result).as("CloudStack's integration test fails on any output").isEqualTo(new Result(0, "", ""));
    }

    @Test
    void ruleLogsListOnlyTheDomainsLibvirtRuns() throws Exception {
        Files.writeString(dir.resolve("qemu/i-2-9-VM.xml"), "<domstatus state='paused' reason='user' pid='98'>"
                + "<domain type='kvm' id='24'/></domstatus>");
        contentType = "text/plain";
        body = "i-2-7-VM,7,10.1.1.7,23,abc,3;i-2-8-VM,8,10.1.1.8,-1,_initial_,-1;i-2-9-VM,9,10.1.1.9,24,d,1\n";
        assertThat(run("get_rule_logs_for_vms")).as("i-2-8-VM is not run, i-2-9-VM is paused")
                .isEqualTo(new Result(0, "i-2-7-VM,7,10.1.1.7,23,abc,3\n", ""));
        assertThat(run(Map.of("SGAGENT_LIBVIRT_RUN_DIR", dir.resolve("absent").toString()), "get_rule_logs_for_vms"))
                .as("without libvirt's list nothing is known, nothing dropped").isEqualTo(new Result(0, body, ""));
    }

    @Test
    void ruleLogsPrintExactlyTheLineAndNothingElseEvenOnFailure() throws Exception {
        contentType = "text/plain";
        body = "i-2-7-VM,7,10.1.1.7,23,abc,3\n";
        chunked = true;
        Result ok = run("get_rule_logs_for_vms");
        assertThat(ok).isEqualTo(new Result(0, body, ""));
        assertThat(requests.get(0).method()).isEqualTo("GET");
        status = 401;
        body = "{\"title\":\"Unauthorized\"}";
        assertThat(run("get_rule_logs_for_vms")).isEqualTo(new Result(1, "", ""));
        assertThat(run(Map.of("SGAGENT_URL", "http://127.0.0.1:1", "SGAGENT_CONNECT_WAIT", "0"),
                "get_rule_logs_for_vms")).isEqualTo(new Result(1, "", ""));
    }

    @Test
    void directRoutedIsAcceptedAsAFlagOrWithAValue() throws Exception {
        assertThat(run("destroy_network_rules_for_vm", "--vmname", "i-2-7-VM", "--directrouted").exit()).isZero();
        assertThat(run("destroy_network_rules_for_vm", "--directrouted", "false", "--vmname", "i-2-7-VM").exit())
                .isZero();
        assertThat(run("destroy_network_rules_for_vm", "--vmname", "i-2-7-VM", "--directrouted=true").exit())
                .isZero();
        assertThat(requests).extracting(r -> r.json().get("directrouted").asBoolean())
                .containsExactly(true, false, true);
        assertThat(requests.get(1).json().get("vmname").asString()).isEqualTo("i-2-7-VM");
        assertThat(run("destroy_network_rules_for_vm", "--directrouted=maybe").exit()).isEqualTo(2);
    }

    @Test
    void usageErrorsAndUnknownCommandsReachNothing() throws Exception {
        Result unknownOption = run("default_network_rules", "--vmname", "i-2-7-VM", "--directroute", "true");
        assertThat(unknownOption.exit()).isEqualTo(2);
        assertThat(unknownOption.stderr()).contains("unrecognized arguments: --directroute");
        assertThat(run("default_network_rules", "--vmname").exit()).isEqualTo(2);
        assertThat(run("no_such_command").exit()).isEqualTo(1);
        assertThat(run().exit()).isEqualTo(2);
        assertThat(requests).isEmpty();
    }

    @Test
    void cleanupNeedsLibvirtsListAndOtherwiseRemovesNothing() throws Exception {
        Result blind = run(Map.of("SGAGENT_LIBVIRT_RUN_DIR", dir.resolve("absent").toString()), "cleanup_rules");
        assertThat(blind.exit()).isEqualTo(1);
        assertThat(blind.stderr()).contains("nothing removed");
        assertThat(requests).isEmpty();
        assertThat(run("cleanup_rules").exit()).isZero();
        assertThat(requests.get(0).json().get("running").toString()).isEqualTo("[\"i-2-7-VM\",\"r-4-VM\"]");
    }

    @Test
    void theTokenFile() throws Exception {
        Result missing = run(Map.of("SGAGENT_TOKEN_FILE", dir.resolve("absent").toString()),
                "destroy_network_rules_for_vm", "--vmname", "i-2-7-VM");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.stderr()).contains("cannot read the token file");
        assertThat(requests).isEmpty();
    }

    @Test
    void anAgentThatIsDownFailsFast() throws Exception {
        long start = System.nanoTime();
        Result down = run(Map.of("SGAGENT_URL", "http://127.0.0.1:1", "SGAGENT_CONNECT_WAIT", "0.3"),
                "destroy_network_rules_for_vm", "--vmname", "i-2-7-VM");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.stderr()).contains("does not answer");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
    }
}
