package io.sgagent.kernel;

import io.sgagent.testbed.Testbed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.springframework.core.env.Environment;

/**
 * A CloudStack KVM host in the namespace testbed: the real agent (in-process, with an API token and a kernel-tool
 * wrapper that can be made to fail), the token in a file, a stand-in for libvirt's run directory
 * ({@code /run/libvirt/qemu}: one {@code <name>.xml} status file per running domain) and the client script.
 */
final class CloudStackHost implements AutoCloseable {
    final Testbed testbed;
    final Path dir;
    final Path tokenFile;
    final Path libvirt;
    final Path log;
    final Path stateDir;
    final Path tools;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private RunningAgent agent;
    private CloudStackScript script;
    private final List<CloudStackScript> scripts = new ArrayList<>();

    CloudStackHost(Testbed testbed) {
        this.testbed = testbed;
        try {
            dir = Files.createTempDirectory("sgagent-cloudstack");
            token = "cs-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            tokenFile = dir.resolve("token");
            Files.writeString(tokenFile, token + "\n");
            Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
            libvirt = Files.createDirectories(dir.resolve("run-libvirt-qemu"));
            log = dir.resolve("security_group.log");
            stateDir = Files.createDirectories(dir.resolve("state"));
            tools = Files.createDirectories(dir.resolve("tools"));
            // ip6tables-restore refuses every transaction while the marker file "fail" exists: the IPv4 transaction of
            // the same apply is then already committed and must be rolled back.
            Path wrapper = tools.resolve("ip6tables-restore");
            Files.writeString(wrapper, """
                    #!/bin/sh
                    if [ -e "$(dirname "$0")/fail" ]; then
                      echo "injected failure: ip6tables-restore refused the transaction" >&2
                      exit 1
                    fi
                    exec /usr/sbin/ip6tables-restore "$@"
                    """);
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startAgent();
    }

    private void startAgent() {
        agent = RunningAgent.startWith(testbed.hvNamespace(), "sgagent.state-dir=" + stateDir,
                "sgagent.api.token-file=" + tokenFile, "sgagent.netfilter.tool-path=" + tools);
        String port = agent.bean(Environment.class).getProperty("local.server.port");
        script = new CloudStackScript("http://127.0.0.1:" + port, tokenFile, libvirt, log);
        scripts.add(script);
    }

    /** Stops the agent and starts a new one on the same state directory and namespace. */
    void restartAgent() {
        agent.close();
        startAgent();
    }

    CloudStackScript script() {
        return script;
    }

    /** Every call of every agent incarnation, in order. */
    List<CloudStackScript.Call> allCalls() {
        return scripts.stream().flatMap(s -> s.calls().stream()).toList();
    }

    /** libvirt runs this domain (with this domain id). */
    void running(String vmName, int domId) {
        try {
            Files.writeString(libvirt.resolve(vmName + ".xml"), "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE.\n-->\n"
                    + "<domstatus state='running' reason='booted' pid='" + (4000 + domId) + "'>\n"
                    + "  <monitor path='/var/lib/libvirt/qemu/domain-" + domId + "-" + vmName + "/monitor.sock'/>\n"
                    + "  <domain type='kvm' id='" + domId + "'>\n    <name>" + vmName + "</name>\n  </domain>\n"
                    + "</domstatus>\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** libvirt no longer knows this domain (stopped, crashed, migrated away). */
    void gone(String vmName) {
        try {
            Files.deleteIfExists(libvirt.resolve(vmName + ".xml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** While true, every ip6tables-restore of the agent fails. */
    void failKernel(boolean fail) {
        try {
            if (fail) {
                Files.writeString(tools.resolve("fail"), "");
            } else {
                Files.deleteIfExists(tools.resolve("fail"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A GET of the agent's API with the bearer token: status and body. */
    RunningAgent.Response get(String path) {
        String port = agent.bean(Environment.class).getProperty("local.server.port");
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new RunningAgent.Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The agent's own API refuses a call without the token. */
    int statusWithoutToken(String path) {
        return agent.get(path).status();
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        failKernel(false);
        if (agent != null) {
            agent.close();
        }
    }

    /** One CloudStack NIC and the script arguments the CloudStack agent builds for it. */
    record CsNic(String vmName, long vmId, String vif, String mac, String ip, String ip6, String brName) {
        /** {@code default_network_rules} as {@code LibvirtComputingResource.defaultNetworkRules} builds it. */
        String[] defaultRules(String secIps, String... flags) {
            List<String> argv = new ArrayList<>(List.of("default_network_rules", "--vmname", vmName, "--vmid",
                    Long.toString(vmId)));
            if (ip != null) {
                argv.addAll(List.of("--vmip", ip));
            }
            if (ip6 != null) {
                argv.addAll(List.of("--vmip6", ip6));
            }
            argv.addAll(List.of("--vmmac", mac, "--vif", vif, "--brname", brName, "--nicsecips", secIps));
            argv.addAll(List.of(flags));
            return argv.toArray(String[]::new);
        }

        /** {@code add_network_rules} as {@code LibvirtComputingResource.addNetworkRules} builds it for this NIC. */
        String[] addRules(long seq, String rules, String secIps) {
            String[] rulesAndSig = CloudStackScript.rulesAndSig(rules);
            List<String> argv = new ArrayList<>(List.of("add_network_rules", "--vmname", vmName, "--vmid",
                    Long.toString(vmId), "--vmip", ip));
            if (ip6 != null) {
                argv.addAll(List.of("--vmip6", ip6));
            }
            argv.addAll(List.of("--sig", rulesAndSig[1], "--seq", Long.toString(seq), "--vmmac", mac, "--vif", vif,
                    "--brname", brName, "--nicsecips", secIps));
            if (!rules.isEmpty()) {
                argv.addAll(List.of("--rules", rulesAndSig[0]));
            }
            return argv.toArray(String[]::new);
        }

        /** The per-NIC {@code destroy_network_rules_for_vm} of a NIC unplug. */
        String[] unplug(String secIps) {
            List<String> argv = new ArrayList<>(List.of("destroy_network_rules_for_vm", "--vmname", vmName));
            if (ip != null) {
                argv.addAll(List.of("--vmip", ip));
            }
            argv.addAll(List.of("--vmmac", mac, "--vif", vif, "--nicsecips", secIps));
            return argv.toArray(String[]::new);
        }

        String sig(String rules) {
            return CloudStackScript.rulesAndSig(rules)[1];
        }
    }
}
