package io.sgagent.config;

import io.sgagent.netfilter.SandboxNamespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.annotation.Order;

/**
 * Profile {@code sandbox} (the default of {@code ./mvnw spring-boot:run}): the agent programs a namespace it
 * creates itself ({@code sgagent.netfilter.netns}, see application-sandbox.yml), never the host's own tables.
 */
@Configuration(proxyBeanMethods = false)
@Profile("sandbox")
public class SandboxConfiguration {
    private static final Logger log = LoggerFactory.getLogger(SandboxConfiguration.class);

    @Bean(initMethod = "create", destroyMethod = "remove")
    SandboxNamespace sandboxNamespace(SgAgentProperties properties) {
        String problems = SandboxNamespace.problems();
        if (!problems.isEmpty()) {
            // One clear message; Spring then stops with a non-zero exit code.
            throw new IllegalStateException("sg-agent sandbox cannot start: " + problems);
        }
        if (properties.netfilter().netns().isBlank()) {
            throw new IllegalStateException("profile sandbox needs sgagent.netfilter.netns");
        }
        return new SandboxNamespace(properties.netfilter().netns());
    }

    /** Runs after the stored state is programmed: tells the operator what to try. */
    @Bean
    @Order(100)
    ApplicationRunner sandboxGreeting(SandboxNamespace sandbox, SgAgentProperties properties,
                                      @Value("${server.port:8080}") int port) {
        return args -> {
            String token = properties.api().token();
            String auth = token.isBlank() ? "" : " -H 'Authorization: Bearer " + token + "'";
            String base = "http://localhost:" + port;
            SandboxNamespace.DemoVm vm1 = sandbox.vms().get(0);
            log.info("""

                    ==== sg-agent sandbox is ready ====
                    Swagger UI:  {}/swagger-ui.html   (Authorize with token: {})
                    Hypervisor:  ip netns exec {} iptables-save
                    Demo VM vm1: namespace {}, device {}, {} / {}

                    1. Make vm1 untracked (allow everything both ways):
                       curl -s{} -X PUT {}/api/v1/vms/vm1 -H 'Content-Type: application/json' -d '{"seq": 1, "nics": [{"device": "{}", "mac": "{}", "ipv4": ["{}"], "ipv6": ["{}"]}], "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]}'
                    2. Send 50 UDP flows from the remote host, then look at conntrack (untracked: no entries):
                       ip netns exec {} python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"x", ("{}", 5000 + i)) for i in range(50)]'
                       curl -s{} {}/api/v1/conntrack
                    3. Make it tracked (everything from the sandbox subnet only) with seq 2, repeat step 2, and
                       watch "entries" grow by 50:
                       curl -s{} -X PUT {}/api/v1/vms/vm1 -H 'Content-Type: application/json' -d '{"seq": 2, "nics": [{"device": "{}", "mac": "{}", "ipv4": ["{}"], "ipv6": ["{}"]}], "ingress": [{"protocol": "all", "cidrs": ["10.77.0.0/24"]}]}'
                    Ctrl-C stops the agent and removes the sandbox namespaces.
                    """, base, token.isBlank() ? "(none)" : token, sandbox.name(), vm1.namespace(), vm1.device(),
                    vm1.ipv4(), vm1.ipv6(),
                    auth, base, vm1.device(), vm1.mac(), vm1.ipv4(), vm1.ipv6(),
                    sandbox.remoteNamespace(), vm1.ipv4(), auth, base,
                    auth, base, vm1.device(), vm1.mac(), vm1.ipv4(), vm1.ipv6());
        };
    }
}
