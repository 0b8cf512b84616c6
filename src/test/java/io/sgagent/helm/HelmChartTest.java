package io.sgagent.helm;

import static io.sgagent.helm.Chart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The chart lints strictly and renders what its values say (helm-java: embedded Helm, no binary, no cluster). */
class HelmChartTest {

    private static final String MONITORING = """
            managementAddress: hostIP
            metrics:
              serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}}
              prometheusRule: {enabled: true}
              grafanaDashboard: {enabled: true}
            """;

    @Test
    void lintStrictPasses() {
        LintResult result = Chart.helm().lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultsRenderAHostNetworkDaemonSetWithOnlyNetAdminAndNetRaw() {
        Chart chart = Chart.render("");
        Map<String, Object> ds = chart.one("DaemonSet");
        Map<String, Object> pod = at(ds, "spec", "template", "spec");
        Map<String, Object> container = at(pod, "containers", 0);

        assertThat(pod.get("hostNetwork")).isEqualTo(true);
        assertThat((Map<String, Object>) at(container, "securityContext", "capabilities"))
                .isEqualTo(Map.of("drop", List.of("ALL"), "add", List.of("NET_ADMIN", "NET_RAW")));
        assertThat((Object) at(container, "securityContext", "privileged")).isEqualTo(false);
        assertThat((Object) at(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
        assertThat((Object) at(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
        assertThat((Object) at(container, "image")).isEqualTo("sgagent:0.1.0-SNAPSHOT");

        assertThat(hostPath(pod, "state")).isEqualTo(Map.of("path", "/var/lib/sg-agent", "type", "DirectoryOrCreate"));
        assertThat(hostPath(pod, "xtables-lock")).isEqualTo(Map.of("path", "/run/xtables.lock", "type", "FileOrCreate"));
        assertThat(mountPath(container, "state")).isEqualTo("/var/lib/sg-agent");
        assertThat(mountPath(container, "xtables-lock")).isEqualTo("/run/xtables.lock");
        assertThat((List<String>) at(container, "args")).contains("--sgagent.state-dir=/var/lib/sg-agent");

        assertThat((Object) at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat((Object) at(container, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat((Object) at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        assertThat((Object) at(container, "resources", "limits", "memory")).isEqualTo("512Mi");
        assertThat((Object) at(container, "resources", "requests", "cpu")).isEqualTo("50m");

        assertThat((Map<String, Object>) at(ds, "spec", "updateStrategy"))
                .isEqualTo(Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("maxUnavailable", 1)));
        assertThat((Map<String, Object>) at(pod, "nodeSelector")).isEqualTo(Map.of("sgagent.io/hypervisor", "true"));
        assertThat((List<Object>) at(pod, "tolerations")).containsExactly(
                Map.of("key", "sgagent.io/hypervisor", "operator", "Exists", "effect", "NoSchedule"));

        // no monitoring objects unless asked for (they need the Prometheus Operator CRDs)
        assertThat(chart.all("ServiceMonitor")).isEmpty();
        assertThat(chart.all("PrometheusRule")).isEmpty();
        assertThat(chart.all("ConfigMap")).isEmpty();
        assertThat(chart.all("Service")).isEmpty();
    }

    @Test
    void defaultsGenerateTheTokenSecretAndMountItAsTheTokenFile() {
        Chart chart = Chart.render("");
        Map<String, Object> secret = chart.one("Secret");
        assertThat((Object) at(secret, "metadata", "name")).isEqualTo("sga-sg-agent-api-token");
        String token = new String(Base64.getDecoder().decode((String) at(secret, "data", "token")), StandardCharsets.UTF_8);
        assertThat(token).hasSize(48).matches("[A-Za-z0-9]+");

        Map<String, Object> pod = at(chart.one("DaemonSet"), "spec", "template", "spec");
        Map<String, Object> container = at(pod, "containers", 0);
        assertThat((Object) at(volume(pod, "api-token"), "secret", "secretName")).isEqualTo("sga-sg-agent-api-token");
        assertThat(mountPath(container, "api-token")).isEqualTo("/etc/sg-agent/token");
        assertThat((List<String>) at(container, "args")).contains("--sgagent.api.token-file=/etc/sg-agent/token/token");

        // a value given is the token
        Map<String, Object> given = Chart.render("apiToken: {value: s3cret-token}").one("Secret");
        assertThat(new String(Base64.getDecoder().decode((String) at(given, "data", "token")), StandardCharsets.UTF_8))
                .isEqualTo("s3cret-token");
    }

    @Test
    void nonDefaultValuesChangeWhatIsRendered() {
        Chart chart = Chart.render("""
                image: {repository: registry.example/sg-agent, tag: "1.2.3"}
                port: 9191
                apiToken: {existingSecret: cloud-agent-token, secretKey: api}
                hostPaths: {stateDir: /srv/sg-agent, xtablesLock: /var/run/xtables.lock}
                securityContext:
                  capabilities: {drop: [ALL], add: [NET_ADMIN]}
                nodeSelector: {sgagent.io/hypervisor: null, node-role.example/kvm: "yes"}
                tolerations: [{key: dedicated, operator: Equal, value: kvm, effect: NoExecute}]
                updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 3}}
                resources: {limits: {memory: 1Gi}}
                priorityClassName: system-node-critical
                env: {SGAGENT_RECONCILE_DRIFT_INTERVAL: 30s}
                """);
        assertThat(chart.all("Secret")).as("an existing Secret is used, none generated").isEmpty();
        Map<String, Object> ds = chart.one("DaemonSet");
        Map<String, Object> pod = at(ds, "spec", "template", "spec");
        Map<String, Object> container = at(pod, "containers", 0);

        assertThat((Object) at(container, "image")).isEqualTo("registry.example/sg-agent:1.2.3");
        assertThat((Object) at(container, "ports", 0, "containerPort")).isEqualTo(9191);
        assertThat((List<String>) at(container, "args")).contains("--server.port=9191",
                "--sgagent.api.token-file=/etc/sg-agent/token/api");
        assertThat((Object) at(volume(pod, "api-token"), "secret", "secretName")).isEqualTo("cloud-agent-token");
        assertThat((Object) at(volume(pod, "api-token"), "secret", "items", 0, "key")).isEqualTo("api");
        assertThat((List<Object>) at(container, "securityContext", "capabilities", "add")).containsExactly("NET_ADMIN");
        assertThat(hostPath(pod, "state")).containsEntry("path", "/srv/sg-agent");
        assertThat(hostPath(pod, "xtables-lock")).containsEntry("path", "/var/run/xtables.lock");
        assertThat(mountPath(container, "state")).as("the container path stays").isEqualTo("/var/lib/sg-agent");
        assertThat((Map<String, Object>) at(pod, "nodeSelector")).isEqualTo(Map.of("node-role.example/kvm", "yes"));
        assertThat((List<Object>) at(pod, "tolerations")).containsExactly(
                Map.of("key", "dedicated", "operator", "Equal", "value", "kvm", "effect", "NoExecute"));
        assertThat((Object) at(ds, "spec", "updateStrategy", "rollingUpdate", "maxUnavailable")).isEqualTo(3);
        assertThat((Object) at(container, "resources", "limits", "memory")).isEqualTo("1Gi");
        assertThat((Object) at(pod, "priorityClassName")).isEqualTo("system-node-critical");
        assertThat((List<Object>) at(container, "env"))
                .contains(Map.of("name", "SGAGENT_RECONCILE_DRIFT_INTERVAL", "value", "30s"));
    }

    @Test
    void tlsKeepsTheManagementPortPlainSoProbesAndScrapingWork() {
        assertThatThrownBy(() -> Chart.render("tls: {enabled: true, secretName: agent-tls}\nmanagementPort: null"))
                .hasMessageContaining("tls.enabled needs managementPort");
        assertThatThrownBy(() -> Chart.render("tls: {enabled: true}"))
                .hasMessageContaining("tls.enabled needs tls.secretName");

        Chart chart = Chart.render("""
                managementPort: 9090
                managementAddress: hostIP
                tls: {enabled: true, secretName: agent-tls}
                metrics: {serviceMonitor: {enabled: true}}
                """);
        Map<String, Object> pod = at(chart.one("DaemonSet"), "spec", "template", "spec");
        Map<String, Object> container = at(pod, "containers", 0);
        List<String> args = at(container, "args");
        assertThat(args).contains("--management.server.port=9090",
                "--server.ssl.bundle=sgagent",
                "--spring.ssl.bundle.pem.sgagent.keystore.certificate=file:/etc/sg-agent/tls/tls.crt",
                "--spring.ssl.bundle.pem.sgagent.truststore.certificate=file:/etc/sg-agent/tls/ca.crt",
                "--server.ssl.client-auth=need");
        // The management server would inherit server.ssl.* (client-auth included) and the kubelet's plain-HTTP
        // probes would fail: the listener the probes reach must serve what they speak. That this property makes
        // the management port plain HTTP without a client certificate is MutualTlsTest's
        // healthProbesOnTheManagementPortNeedNoClientCertificate.
        assertThat(args).contains("--management.server.ssl.enabled=false");
        assertThat((Object) at(container, "ports", 1)).isEqualTo(
                Map.of("name", "management", "containerPort", 9090, "protocol", "TCP"));
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            Map<String, Object> get = at(container, probe, "httpGet");
            assertThat(get.get("port")).as(probe).isEqualTo("management");
            assertThat(get.get("scheme")).as(probe).isEqualTo("HTTP");
            assertThat(get).as(probe + ": hostIP is the pod IP of a hostNetwork pod").doesNotContainKey("host");
        }
        assertThat((Object) at(volume(pod, "tls"), "secret", "secretName")).isEqualTo("agent-tls");
        assertThat(mountPath(container, "tls")).isEqualTo("/etc/sg-agent/tls");
        assertThat((Object) at(chart.one("ServiceMonitor"), "spec", "endpoints", 0, "port")).isEqualTo("management");
        assertThat((Object) at(chart.one("ServiceMonitor"), "spec", "endpoints", 0)).asString()
                .doesNotContain("https").doesNotContain("tlsConfig");

        List<String> serverTlsOnly = at(Chart.render("""
                tls: {enabled: true, secretName: agent-tls, clientAuth: none}
                """).one("DaemonSet"), "spec", "template", "spec", "containers", 0, "args");
        assertThat(serverTlsOnly).contains("--server.ssl.bundle=sgagent", "--management.server.ssl.enabled=false")
                .noneMatch(a -> a.contains("truststore") || a.contains("client-auth"));
    }

    @Test
    void managementDefaultsToItsOwnPortOnLoopbackWhereTheKubeletProbesIt() {
        Map<String, Object> container = at(Chart.render("").one("DaemonSet"), "spec", "template", "spec",
                "containers", 0);
        assertThat((List<String>) at(container, "args")).contains("--server.port=8080",
                        "--management.server.port=8081", "--management.server.address=127.0.0.1")
                .noneMatch(a -> a.startsWith("--server.address") || a.contains("ssl"));
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat((Map<String, Object>) at(container, probe, "httpGet")).as(probe)
                    .containsEntry("port", "management").containsEntry("host", "127.0.0.1")
                    .containsEntry("scheme", "HTTP");
        }
        assertThat((Object) at(container, "ports", 1, "containerPort")).isEqualTo(8081);

        // Prometheus on another node cannot scrape loopback: refused at render time, with the fix in the message
        assertThatThrownBy(() -> Chart.render("metrics: {serviceMonitor: {enabled: true}}"))
                .hasMessageContaining("set managementAddress to hostIP");
        assertThatThrownBy(() -> Chart.render("managementPort: null\naddress: 127.0.0.1\n"
                + "metrics: {serviceMonitor: {enabled: true}}")).hasMessageContaining("managementAddress");
    }

    @Test
    void listenAddressesAreConfigurableAndHostIpComesFromTheDownwardApi() {
        Map<String, Object> container = at(Chart.render("address: hostIP\nmanagementAddress: \"\""
                + "\nmetrics: {serviceMonitor: {enabled: true}}").one("DaemonSet"),
                "spec", "template", "spec", "containers", 0);
        assertThat((List<String>) at(container, "args")).contains("--server.address=$(HOST_IP)")
                .noneMatch(a -> a.startsWith("--management.server.address"));
        assertThat((List<Object>) at(container, "env")).contains(Map.of("name", "HOST_IP",
                "valueFrom", Map.of("fieldRef", Map.of("fieldPath", "status.hostIP"))));
        assertThat((Map<String, Object>) at(container, "livenessProbe", "httpGet")).doesNotContainKey("host");

        // one shared port: the actuator follows the API's address, and so do the probes
        Map<String, Object> shared = at(Chart.render("managementPort: null\naddress: 10.0.0.5").one("DaemonSet"),
                "spec", "template", "spec", "containers", 0);
        assertThat((List<String>) at(shared, "args")).contains("--server.address=10.0.0.5")
                .noneMatch(a -> a.contains("management"));
        assertThat((Map<String, Object>) at(shared, "readinessProbe", "httpGet"))
                .containsEntry("port", "http").containsEntry("host", "10.0.0.5");
        assertThat((List<Object>) at(shared, "env")).isNull();

        assertThatThrownBy(() -> Chart.render("address: \"0.0.0.0; rm -rf /\"")).hasMessageContaining("/address");
    }

    @Test
    void logFormatJsonSelectsBootStructuredEcsLogging() {
        Map<String, Object> container = at(Chart.render("logFormat: json").one("DaemonSet"),
                "spec", "template", "spec", "containers", 0);
        assertThat((List<Object>) at(container, "env"))
                .contains(Map.of("name", "LOGGING_STRUCTURED_FORMAT_CONSOLE", "value", "ecs"));
        assertThat((Object) at(Chart.render("").one("DaemonSet"), "spec", "template", "spec", "containers", 0, "env"))
                .as("text by default").isNull();
        assertThatThrownBy(() -> Chart.render("logFormat: xml")).hasMessageContaining("/logFormat");
    }

    @Test
    void theJvmReadsTheImagesJvmOptionsFileAndJvmOptionsFollowIt() {
        Map<String, Object> container = at(Chart.render("jvmOptions: [-Xmx384m]").one("DaemonSet"),
                "spec", "template", "spec", "containers", 0);
        assertThat((List<String>) at(container, "command")).containsExactly("java", "@/opt/sg-agent/jvm.options",
                "-Xmx384m", "-jar", "/opt/sg-agent/sg-agent.jar");
        assertThatThrownBy(() -> Chart.render("jvmOptions: [\"-Xmx1g -Xss1m\"]")).hasMessageContaining("/jvmOptions");
    }

    @Test
    void valuesSchemaRejectsNonsense() {
        assertThatThrownBy(() -> Chart.render("hostPaths: {stateDir: var/lib/sg-agent}"))
                .hasMessageContaining("/hostPaths/stateDir");
        assertThatThrownBy(() -> Chart.render("port: 70000")).hasMessageContaining("/port");
        assertThatThrownBy(() -> Chart.render("updateStrategy: {type: Recreate}")).hasMessageContaining("/updateStrategy/type");
        assertThatThrownBy(() -> Chart.render("apiToken: {secretKey: \"a b\"}")).hasMessageContaining("/apiToken/secretKey");
    }

    @Test
    void monitoringRendersServiceMonitorAlertsAndDashboard() {
        Chart chart = Chart.render(MONITORING);

        Map<String, Object> service = chart.one("Service");
        assertThat((Object) at(service, "spec", "clusterIP")).isEqualTo("None");
        Map<String, Object> monitor = chart.one("ServiceMonitor");
        assertThat((Object) at(monitor, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
        assertThat((Object) at(monitor, "spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
        assertThat((Object) at(monitor, "spec", "endpoints", 0, "port")).isEqualTo("management");
        assertThat((Map<String, Object>) at(monitor, "spec", "selector", "matchLabels"))
                .isEqualTo(at(chart.one("DaemonSet"), "spec", "selector", "matchLabels"));

        Map<String, String> alerts = alerts(chart);
        assertThat(alerts).containsEntry("SgAgentConntrackTableFilling",
                        "sgagent_conntrack_entries / sgagent_conntrack_entries_limit >= 0.8")
                .containsEntry("SgAgentConntrackTableFull",
                        "sgagent_conntrack_entries / sgagent_conntrack_entries_limit >= 0.95")
                .containsEntry("SgAgentConntrackInsertFailed", "rate(sgagent_conntrack_insert_failed_total[5m]) > 0")
                .containsEntry("SgAgentApplyFailing", "increase(sgagent_apply_total{result=\"failure\"}[10m]) > 0")
                .containsEntry("SgAgentDriftRepaired", "increase(sgagent_drift_repairs_total[1h]) > 0")
                .containsEntry("SgAgentDown", "up{job=\"sga-sg-agent\"} == 0")
                .containsKey("SgAgentConntrackDropping");
        assertThat(alerts.get("SgAgentConntrackDropping")).contains("rate(sgagent_conntrack_drop_total[5m]) > 0");
        // Prometheus templates survive Helm's own templating
        assertThat(chart.one("PrometheusRule").toString()).contains("{{ $labels.instance }}");

        Map<String, String> thresholds = alerts(Chart.render("""
                metrics:
                  prometheusRule:
                    enabled: true
                    conntrackUsage: {warning: 0.7, critical: 0.9}
                    upSelector: 'job="kvm-agents"'
                """));
        assertThat(thresholds.get("SgAgentConntrackTableFilling")).endsWith(">= 0.7");
        assertThat(thresholds.get("SgAgentConntrackTableFull")).endsWith(">= 0.9");
        assertThat(thresholds.get("SgAgentDown")).isEqualTo("up{job=\"kvm-agents\"} == 0");
    }

    @Test
    void dashboardIsGrafanaJsonOverTheAgentMetrics() {
        Map<String, Object> configMap = Chart.render(MONITORING).one("ConfigMap");
        assertThat((Object) at(configMap, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
        JsonNode dashboard = JsonMapper.builder().build().readTree((String) at(configMap, "data", "sg-agent.json"));
        assertThat(dashboard.path("uid").asString()).isEqualTo("sg-agent");
        List<String> titles = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            titles.add(panel.path("title").asString());
            panel.path("targets").forEach(t -> queries.add(t.path("expr").asString()));
        });
        assertThat(titles).contains("Conntrack usage per host", "Notrack set sizes", "Apply latency", "Drift repairs",
                "VMs by tracking", "Dropped packets per VM (top 10)");
        assertThat(String.join("\n", queries)).contains(
                "sgagent_conntrack_entries{instance=~\"$instance\"} / sgagent_conntrack_entries_limit",
                "sgagent_notrack_set_entries", "sgagent_apply_seconds_bucket", "sgagent_drift_repairs_total",
                "sum by (tracking) (sgagent_vms", "sgagent_vm_dropped_packets_total");
        assertThat(Chart.render(MONITORING).referencedMetrics()).contains("sgagent_conntrack_entries",
                "sgagent_conntrack_entries_limit", "sgagent_notrack_set_entries", "sgagent_apply_seconds_bucket",
                "sgagent_apply_total", "sgagent_drift_repairs_total", "sgagent_vms");
    }

    // --- issue 12: conntrack capacity guard and per-VM quotas (helper "quota"; kept apart from the tests above) ---

    @Test
    void conntrackGuardAlertsFireOnProjectionAndQuotaRefusals() {
        Map<String, String> alerts = alerts(Chart.render(MONITORING));
        assertThat(alerts).containsEntry("SgAgentConntrackFullSoon", "sgagent_conntrack_time_to_full_seconds < 900")
                .containsEntry("SgAgentVmConntrackQuotaRefusing", "rate(sgagent_vm_conntrack_refused_total[5m]) > 0")
                .containsEntry("SgAgentConntrackTableFilling",
                        "sgagent_conntrack_entries / sgagent_conntrack_entries_limit >= 0.8")
                .containsEntry("SgAgentConntrackInsertFailed", "rate(sgagent_conntrack_insert_failed_total[5m]) > 0");
        assertThat(alerts(Chart.render("""
                metrics:
                  prometheusRule: {enabled: true, conntrackFullWithinSeconds: 1800}
                """)).get("SgAgentConntrackFullSoon")).endsWith("< 1800");
        assertThatThrownBy(() -> Chart.render("metrics: {prometheusRule: {conntrackFullWithinSeconds: 5}}"))
                .hasMessageContaining("conntrackFullWithinSeconds");
    }

    @Test
    void dashboardShowsTimeToFullAndTopTalkers() {
        Map<String, Object> configMap = Chart.render(MONITORING).one("ConfigMap");
        JsonNode dashboard = JsonMapper.builder().build().readTree((String) at(configMap, "data", "sg-agent.json"));
        Map<String, String> queriesByTitle = new java.util.LinkedHashMap<>();
        List<Integer> ids = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            ids.add(panel.path("id").asInt());
            List<String> exprs = new ArrayList<>();
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asString()));
            queriesByTitle.put(panel.path("title").asString(), String.join("\n", exprs));
        });
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(queriesByTitle.get("Conntrack time to full")).contains("sgagent_conntrack_time_to_full_seconds");
        assertThat(queriesByTitle.get("Conntrack top talkers and quota refusals"))
                .contains("sgagent_vm_conntrack_entries", "sgagent_vm_conntrack_refused_total");
    }

    private static Map<String, String> alerts(Chart chart) {
        Map<String, String> alerts = new java.util.LinkedHashMap<>();
        List<Map<String, Object>> groups = at(chart.one("PrometheusRule"), "spec", "groups");
        for (Map<String, Object> group : groups) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                alerts.put((String) rule.get("alert"), String.valueOf(rule.get("expr")).strip());
            }
        }
        return alerts;
    }

    private static Map<String, Object> volume(Map<String, Object> pod, String name) {
        List<Map<String, Object>> volumes = at(pod, "volumes");
        return volumes.stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Map<String, Object> hostPath(Map<String, Object> pod, String volume) {
        return at(volume(pod, volume), "hostPath");
    }

    private static String mountPath(Map<String, Object> container, String volume) {
        List<Map<String, Object>> mounts = at(container, "volumeMounts");
        return mounts.stream().filter(m -> volume.equals(m.get("name"))).map(m -> (String) m.get("mountPath"))
                .findFirst().orElseThrow(() -> new AssertionError("no mount of " + volume));
    }
}
