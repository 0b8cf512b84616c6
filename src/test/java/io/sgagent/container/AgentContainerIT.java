package io.sgagent.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.Volume;
import io.sgagent.helm.Chart;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent image as an operator runs it: only NET_ADMIN and NET_RAW (all other capabilities dropped, not
 * privileged), its state on a named volume, the REST API reached through a published port. The agent programs the
 * container's own network namespace, so the host is never touched; what it programmed is read back inside that
 * namespace with {@code iptables-save}, {@code ip6tables-save}, {@code ebtables-nft-save} and {@code ipset save}.
 *
 * <p>The namespace belongs to a separate long-lived "holder" container (the agent joins it with
 * {@code --network container:<holder>}, like a pod's sandbox). The agent binds its stored state to the identity of
 * the namespace it programs: a plain {@code docker restart} on a bridge network gets a new namespace, and the agent
 * rightly moves the old state aside instead of adopting it. With the namespace kept (host network in production,
 * the holder here), a restarted or replaced agent container must program the stored state again.
 *
 * <p>Needs Docker and the image {@code sgagent:test} ({@code .ci/docker-setup}); see {@link DockerSupport}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentContainerIT {
    private static final Logger log = LoggerFactory.getLogger(AgentContainerIT.class);
    private static final int PORT = 8080;
    private static final String STATE_DIR = "/var/lib/sg-agent";
    private static final String TOKEN = "it-" + UUID.randomUUID();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Allow-all in both directions and families: untracked (B5). */
    private static final String WEB = """
            {"vmId": 7, "seq": 1,
             "nics": [{"device": "vnet7", "mac": "02:00:00:00:00:07", "ipv4": ["10.1.1.7", "10.1.1.70"],
                       "ipv6": ["2001:db8::7"]}],
             "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}],
             "egress": []}""";
    /** Ingress restricted: tracked. */
    private static final String DB = """
            {"vmId": 8, "seq": 3,
             "nics": [{"device": "vnet8", "mac": "02:00:00:00:00:08", "ipv4": ["10.1.1.8"], "ipv6": ["2001:db8::8"]}],
             "ingress": [{"protocol": "tcp", "portStart": 5432, "portEnd": 5432, "cidrs": ["10.1.1.0/24"]},
                         {"protocol": "icmp", "icmpType": 8, "icmpCode": -1, "cidrs": ["0.0.0.0/0"]}],
             "egress": [{"protocol": "tcp", "portStart": 443, "portEnd": 443, "cidrs": ["0.0.0.0/0", "::/0"]}]}""";

    private static final String CHART_MONITORING = """
            metrics: {prometheusRule: {enabled: true}, grafanaDashboard: {enabled: true}}
            """;

    private static final String VOLUME = "sgagent-it-" + UUID.randomUUID().toString().substring(0, 8);
    private static GenericContainer<?> holder;
    private static GenericContainer<?> agent;
    private static String base;

    private static String skipReason;

    @BeforeAll
    static void startAgent() {
        skipReason = DockerSupport.skipReason();
        if (skipReason != null) {
            return;
        }
        holder = new GenericContainer<>(DockerImageName.parse(DockerSupport.image()))
                .withExposedPorts(PORT)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withEntrypoint("sleep", "infinity").withCmd(List.of())
                            .withHealthcheck(new HealthCheck().withTest(List.of("NONE")));
                    // NET_ADMIN only to wipe the kernel state between agent runs (the restart test)
                    cmd.getHostConfig().withCapDrop(Capability.ALL).withCapAdd(Capability.NET_ADMIN);
                })
                .waitingFor(Wait.forSuccessfulCommand("true"));
        holder.start();
        base = "http://" + holder.getHost() + ":" + holder.getMappedPort(PORT);
        agent = newAgent();
        agent.start();
        awaitReady();

        assertThat(put("/api/v1/vms/web", WEB).statusCode()).isEqualTo(200);
        assertThat(put("/api/v1/vms/db", DB).statusCode()).isEqualTo(200);
    }

    @BeforeEach
    void requireDocker() {
        DockerSupport.assumeRunnable(skipReason);
    }

    /** An agent container in the holder's namespace with the state volume; started by the caller. */
    private static GenericContainer<?> newAgent() {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(DockerSupport.image()))
                .withNetworkMode("container:" + holder.getContainerId())
                .withEnv("SGAGENT_API_TOKEN", TOKEN)
                .withLogConsumer(new Slf4jLogConsumer(log).withPrefix("agent"))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.getHostConfig()
                            .withPrivileged(false)
                            .withCapDrop(Capability.ALL)
                            .withCapAdd(Capability.NET_ADMIN, Capability.NET_RAW)
                            .withBinds(new Bind(VOLUME, new Volume(STATE_DIR)))
                            // as in the Helm chart: read-only root, writable /tmp (the tools' stdin/stdout files)
                            .withReadonlyRootfs(true)
                            .withTmpFs(Map.of("/tmp", "rw,size=64m"));
                    // the image's own HEALTHCHECK command (inherited: no test given), probed every second
                    cmd.withHealthcheck(new HealthCheck()
                            .withInterval(TimeUnit.SECONDS.toNanos(1))
                            .withTimeout(TimeUnit.SECONDS.toNanos(5))
                            .withStartPeriod(TimeUnit.SECONDS.toNanos(60))
                            .withRetries(3));
                })
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofSeconds(120)));
        return container;
    }

    @AfterAll
    static void stopAll() {
        if (agent != null) {
            agent.stop();
        }
        if (holder != null) {
            holder.stop();
        }
        if (agent != null) {
            try {
                docker().removeVolumeCmd(VOLUME).exec();
            } catch (RuntimeException e) {
                log.warn("could not remove volume {}: {}", VOLUME, e.getMessage());
            }
        }
    }

    @Test
    @Order(1)
    void runsWithOnlyNetAdminAndNetRawAndReportsHealthy() throws Exception {
        InspectContainerResponse info = docker().inspectContainerCmd(agent.getContainerId()).exec();
        assertThat(info.getHostConfig().getPrivileged()).isFalse();
        assertThat(info.getHostConfig().getCapAdd()).containsExactlyInAnyOrder(Capability.NET_ADMIN, Capability.NET_RAW);
        assertThat(info.getState().getHealth().getStatus()).isEqualTo("healthy");
        assertThat(exec(agent, "id", "-u").strip()).isEqualTo("0");
        assertThat(exec(agent, "grep", "^CapEff", "/proc/1/status").strip())
                .as("effective capabilities of the agent process: NET_ADMIN (bit 12) and NET_RAW (bit 13) only")
                .endsWith("0000000000003000");
        // bridge-nf-call-* are per namespace and start at 1: nothing to write (/proc/sys is read-only here)
        assertThat(exec(agent, "sysctl", "-n", "net.bridge.bridge-nf-call-iptables",
                "net.bridge.bridge-nf-call-ip6tables")).isEqualTo("1\n1\n");

        assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        HttpResponse<String> noToken = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/vms")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).as("the API needs the token").isEqualTo(401);
    }

    @Test
    @Order(2)
    void apiReportsNotrackPerVm() {
        JsonNode web = json(get("/api/v1/vms/web"));
        assertThat(web.path("notrack").path("ipv4").asBoolean()).isTrue();
        assertThat(web.path("notrack").path("ipv6").asBoolean()).isTrue();
        JsonNode db = json(get("/api/v1/vms/db"));
        assertThat(db.path("notrack").path("ipv4").asBoolean()).isFalse();
        assertThat(db.path("notrack").path("ipv6").asBoolean()).isFalse();
        assertThat(db.path("seq").asLong()).isEqualTo(3);
    }

    @Test
    @Order(3)
    void kernelHoldsExactlyTheRulesAndSetsTheApiReports() {
        assertKernelMatchesApi(List.of("web", "db"));

        // the notrack sets hold the allow-all VM's addresses (secondary and EUI-64 link-local too), nothing else
        Map<String, Set<String>> sets = SaveText.setMembers(exec(agent, "ipset", "save"));
        assertThat(sets.get("sga-notrack-ipv4")).containsExactlyInAnyOrder("10.1.1.7", "10.1.1.70");
        assertThat(sets.get("sga-notrack-ipv6")).containsExactlyInAnyOrder("2001:db8::7", "fe80::ff:fe00:7");
        assertThat(exec(agent, "ipset", "list", "sga-notrack-ipv4")).contains("Number of entries: 2");

        // and the raw table sends them around conntrack
        SaveText raw4 = SaveText.parse(exec(agent, "iptables-save", "-t", "raw"));
        // (compared without the origin comments every rule of ours carries)
        assertThat(raw4.table("raw").rules("sga-PREROUTING").stream()
                .map(rule -> rule.replaceAll(" -m comment --comment \"[^\"]*\"", "")).toList())
                .contains("-A sga-PREROUTING -m set --match-set sga-notrack-ipv4 src -j sga-NOTRACK",
                        "-A sga-PREROUTING -m set --match-set sga-notrack-ipv4 dst -j sga-NOTRACK");
        assertThat(raw4.table("raw").rules("sga-NOTRACK").stream()
                .map(rule -> rule.replaceAll(" -m comment --comment \"[^\"]*\"", "")).toList())
                .contains("-A sga-NOTRACK -j CT --notrack");
        assertThat(raw4.table("raw").rules("PREROUTING")).contains("-A PREROUTING -j sga-PREROUTING");

        JsonNode conntrack = json(get("/api/v1/conntrack"));
        assertThat(conntrack.path("notrackSetEntries").path("ipv4").asInt()).isEqualTo(2);
        assertThat(conntrack.path("notrackSetEntries").path("ipv6").asInt()).isEqualTo(2);
        assertThat(conntrack.path("limit").asLong()).isPositive();
    }

    @Test
    @Order(4)
    void prometheusServesConntrackAndAgentMetrics() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            Map<String, Double> metrics = prometheus(response.body());
            assertThat(metrics).containsKeys("sgagent_conntrack_entries", "sgagent_conntrack_insert_failed_total",
                    "sgagent_conntrack_drop_total", "sgagent_apply_seconds_count", "sgagent_last_apply_timestamp_seconds");
            assertThat(metrics.get("sgagent_conntrack_entries_limit")).isPositive();
            assertThat(metrics.get("sgagent_notrack_set_entries{family=\"ipv4\"}")).isEqualTo(2.0);
            assertThat(metrics.get("sgagent_notrack_set_entries{family=\"ipv6\"}")).isEqualTo(2.0);
            assertThat(metrics.get("sgagent_vms{tracking=\"untracked\"}")).isEqualTo(1.0);
            assertThat(metrics.get("sgagent_vms{tracking=\"tracked\"}")).isEqualTo(1.0);
            assertThat(metrics.get("sgagent_apply_total{result=\"success\"}")).isGreaterThanOrEqualTo(2.0);
            assertThat(metrics.get("sgagent_apply_total{result=\"failure\"}")).isZero();

            // every metric the Helm chart's alerts and dashboard use is one the agent serves
            Set<String> served = new TreeSet<>();
            metrics.keySet().forEach(series -> served.add(series.replaceFirst("\\{.*", "")));
            // (the per-VM conntrack series exist only for VMs holding tracked entries or a quota; ConntrackQuotaIT
            // shows them served)
            Set<String> referenced = new TreeSet<>(Chart.render(CHART_MONITORING).referencedMetrics());
            referenced.removeAll(Set.of("sgagent_vm_conntrack_entries", "sgagent_vm_conntrack_refused_total"));
            assertThat(served).containsAll(referenced);
        });
    }

    @Test
    @Order(5)
    void stoppedAndStartedAgentProgramsTheStoredStateAgain() {
        DockerClient docker = docker();
        docker.stopContainerCmd(agent.getContainerId()).withTimeout(30).exec();
        wipeKernelState();
        assertThat(exec(holder, "iptables-save")).doesNotContain("sga-");
        docker.startContainerCmd(agent.getContainerId()).exec();
        awaitReady();

        assertThat(json(get("/api/v1/vms/web")).path("notrack").path("ipv4").asBoolean()).isTrue();
        assertKernelMatchesApi(List.of("web", "db"));
        assertThat(SaveText.setMembers(exec(agent, "ipset", "save")).get("sga-notrack-ipv4"))
                .containsExactlyInAnyOrder("10.1.1.7", "10.1.1.70");
    }

    @Test
    @Order(6)
    void newAgentContainerOnTheSameVolumeProgramsTheStoredState() {
        agent.stop();
        wipeKernelState();
        agent = newAgent();
        agent.start();
        awaitReady();

        JsonNode vms = json(get("/api/v1/vms"));
        List<String> names = new ArrayList<>();
        vms.path("vms").forEach(vm -> names.add(vm.path("name").asString()));
        assertThat(names).containsExactlyInAnyOrder("web", "db");
        assertKernelMatchesApi(List.of("web", "db"));
        assertThat(exec(agent, "ls", STATE_DIR + "/host")).contains("vms");

        // the API keeps working on the adopted state: deleting a VM leaves no trace (B7)
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/vms/web")).DELETE()).statusCode())
                .isEqualTo(204);
        assertThat(exec(agent, "iptables-save")).doesNotContain("sga-i-web").doesNotContain("vnet7");
        assertThat(SaveText.setMembers(exec(agent, "ipset", "save")).get("sga-notrack-ipv4")).isEmpty();
        assertKernelMatchesApi(List.of("db"));
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * For each VM, the rules of {@code GET /api/v1/vms/{name}/ruleset} are what the kernel holds: its own chains rule
     * for rule in order, its dispatch rules present in the shared chains; every {@code sga-} set holds exactly the
     * memberships the VMs' views list.
     */
    private static void assertKernelMatchesApi(List<String> vms) {
        Map<String, SaveText> kernel = Map.of(
                "IPv4", SaveText.parse(exec(agent, "iptables-save")),
                "IPv6", SaveText.parse(exec(agent, "ip6tables-save")),
                "bridge", SaveText.parse(exec(agent, "ebtables-nft-save")));
        Map<String, Set<String>> expectedSets = new HashMap<>();
        for (String vm : vms) {
            HttpResponse<String> response = get("/api/v1/vms/" + vm + "/ruleset");
            assertThat(response.statusCode()).isEqualTo(200);
            Map<String, String> sections = SaveText.viewSections(response.body());
            assertThat(sections).containsKeys("IPv4", "IPv6", "bridge", "ipsets");
            for (String family : List.of("IPv4", "IPv6", "bridge")) {
                SaveText view = SaveText.parse(sections.get(family));
                assertThat(view.tables()).as("%s %s rules", vm, family).isNotEmpty();
                view.tables().forEach((tableName, table) -> {
                    SaveText.Table live = kernel.get(family).table(tableName);
                    for (String chain : table.declared()) {
                        assertThat(live.declared()).as("%s %s %s chains", vm, family, tableName).contains(chain);
                        assertThat(live.rules(chain)).as("%s %s %s chain %s", vm, family, tableName, chain)
                                .containsExactlyElementsOf(table.rules(chain));
                    }
                    table.rules().forEach((chain, rules) -> {
                        if (!table.declared().contains(chain)) {
                            assertThat(live.rules(chain)).as("%s %s %s dispatch in %s", vm, family, tableName, chain)
                                    .containsAll(rules);
                        }
                    });
                });
            }
            SaveText.setMembers(sections.get("ipsets"))
                    .forEach((set, members) -> expectedSets.computeIfAbsent(set, s -> new LinkedHashSet<>())
                            .addAll(members));
        }
        Map<String, Set<String>> liveSets = SaveText.setMembers(exec(agent, "ipset", "save"));
        assertThat(liveSets.keySet()).contains("sga-notrack-ipv4", "sga-notrack-ipv6");
        liveSets.forEach((set, members) -> {
            if (set.startsWith("sga-")) {
                assertThat(members).as("members of set %s", set)
                        .containsExactlyInAnyOrderElementsOf(expectedSets.getOrDefault(set, Set.of()));
            }
        });
    }

    /** What a reboot or a careless operator would leave: none of the agent's chains, rules or sets. */
    private static void wipeKernelState() {
        exec(holder, "bash", "-c", String.join("; ",
                "set -e",
                "for t in iptables ip6tables; do for table in filter raw; do $t -t $table -F; $t -t $table -X; done; done",
                "ebtables-nft -t nat -F", "ebtables-nft -t nat -X",
                "ipset destroy"));
    }

    /**
     * Started (the container is healthy, i.e. live) is not ready: readiness turns UP only after the stored state
     * has been programmed, and only then does the API report it.
     */
    private static void awaitReady() {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
    }

    private static String exec(GenericContainer<?> container, String... command) {
        try {
            ExecResult result = container.execInContainer(command);
            assertThat(result.getExitCode()).as("%s: %s", String.join(" ", command), result.getStderr()).isZero();
            return result.getStdout();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Double> prometheus(String text) {
        Map<String, Double> values = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return values;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    private static HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    private static HttpResponse<String> put(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
