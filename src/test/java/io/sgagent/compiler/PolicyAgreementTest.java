package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.aVm;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.fixtures.RuleBuilder;
import io.sgagent.fixtures.VmBuilder;
import io.sgagent.fixtures.VmFixtures;
import io.sgagent.model.Family;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.ConntrackEntry;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.ruleset.TableRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The kernel rules and the conntrack cleanup (B6) must agree on what a VM allows: for seeded random VMs and
 * flows between a VM and a remote peer, {@link FlowPolicy#stillAllowed} equals the verdict of a packet walk
 * through the compiled filter chains (the flow's first packet, as if new). Both are built from {@link VmPolicy};
 * this holds the rendering and the flow judgement to the same meaning.
 */
class PolicyAgreementTest {
    private static final String UPLINK = "eth9";
    private static final String[] CIDRS4 = {"0.0.0.0/0", "10.0.0.0/8", "192.0.2.0/24", "192.0.2.7/32",
        "198.51.100.0/25"};
    private static final String[] CIDRS6 = {"::/0", "2001:db8::/32", "2001:db8:1::/48", "fd00::/8"};
    private static final String[] PEERS4 = {"10.1.2.3", "192.0.2.7", "192.0.2.200", "198.51.100.9",
        "198.51.100.200", "203.0.113.5"};
    private static final String[] PEERS6 = {"2001:db8::9", "2001:db8:1::5", "fd00::77", "2a00::1"};
    private static final int[] PORTS = {22, 53, 67, 68, 80, 123, 443, 546, 547, 1000, 8080, 65535};
    private static final int[] ICMP_TYPES = {0, 3, 8, 11, 128, 129, 133, 135, 136};

    @Test
    void flowPolicyAgreesWithAPacketWalkThroughTheCompiledChains() {
        Random random = new Random(20261204);
        int compared = 0;
        int allowed = 0;
        for (int round = 0; round < 200; round++) {
            Vm vm = randomVm(random);
            Ruleset ruleset = new RulesetCompiler().compile(VmFixtures.host(vm));
            for (Family family : Family.values()) {
                TableRules filter = (family == Family.IPV4 ? ruleset.ipv4() : ruleset.ipv6()).tables().get(1);
                PacketWalk walk = new PacketWalk(filter);
                String own = family == Family.IPV4 ? "10.99.0.11" : "fd99::11";
                for (int i = 0; i < 40; i++) {
                    String peer = pick(random, family == Family.IPV4 ? PEERS4 : PEERS6);
                    boolean inbound = random.nextBoolean();
                    ConntrackEntry flow = randomFlow(random, family, inbound ? peer : own, inbound ? own : peer);
                    PacketWalk.Packet packet = new PacketWalk.Packet(flow.source(), flow.destination(),
                            flow.protocol(), flow.sourcePort(), flow.destinationPort(), flow.icmpType(),
                            flow.icmpCode(), 64, inbound ? UPLINK : "vnet1", inbound ? "vnet1" : UPLINK);
                    boolean walked = walk.accepts(packet);
                    assertThat(FlowPolicy.stillAllowed(vm, flow))
                            .as("%s %s %s", family, flow, vm).isEqualTo(walked);
                    compared++;
                    allowed += walked ? 1 : 0;
                }
            }
        }
        // Both outcomes must be well represented, or the comparison proves little.
        assertThat(allowed).isBetween(compared / 5, compared * 4 / 5);
    }

    private static Vm randomVm(Random random) {
        VmBuilder vm = aVm("vm" + random.nextInt(1000)).nic("vnet1", "02:00:00:00:00:01", List.of("10.99.0.11"),
                List.of("fd99::11"));
        int ingress = random.nextInt(4);
        for (int i = 0; i < ingress; i++) {
            vm.ingress(randomRule(random).from(randomCidrs(random)));
        }
        int egress = random.nextInt(4);
        for (int i = 0; i < egress; i++) {
            vm.egress(randomRule(random).to(randomCidrs(random)));
        }
        return vm.build();
    }

    private static RuleBuilder randomRule(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> VmFixtures.tcp(pick(random, PORTS));
            case 1 -> {
                int from = pick(random, PORTS);
                yield VmFixtures.udp(from, Math.min(65535, from + random.nextInt(500)));
            }
            case 2 -> VmFixtures.tcp();
            case 3 -> VmFixtures.icmp();
            case 4 -> VmFixtures.icmp(pick(random, ICMP_TYPES));
            case 5 -> VmFixtures.icmp(pick(random, ICMP_TYPES), random.nextInt(2));
            case 6 -> VmFixtures.proto(random.nextBoolean() ? 47 : 58);
            case 7 -> VmFixtures.udp();
            default -> VmFixtures.all();
        };
    }

    private static String[] randomCidrs(Random random) {
        List<String> cidrs = new ArrayList<>();
        cidrs.add(random.nextBoolean() ? pick(random, CIDRS4) : pick(random, CIDRS6));
        if (random.nextBoolean()) {
            cidrs.add(pick(random, CIDRS6));
        }
        return cidrs.stream().distinct().toArray(String[]::new);
    }

    private static ConntrackEntry randomFlow(Random random, Family family, String source, String destination) {
        int icmp = family == Family.IPV4 ? 1 : 58;
        int protocol = switch (random.nextInt(6)) {
            case 0, 1 -> 6;
            case 2, 3 -> 17;
            case 4 -> icmp;
            default -> random.nextBoolean() ? 47 : 58;
        };
        if (protocol == 6 || protocol == 17) {
            int sport = random.nextInt(4) == 0 ? pick(random, PORTS) : 30000 + random.nextInt(30000);
            return new ConntrackEntry(protocol, source, destination, sport, pick(random, PORTS), -1, -1, -1);
        }
        if (protocol == icmp) {
            return new ConntrackEntry(protocol, source, destination, -1, -1, pick(random, ICMP_TYPES),
                    random.nextInt(2), 7);
        }
        return new ConntrackEntry(protocol, source, destination, -1, -1, -1, -1, -1);
    }

    private static int pick(Random random, int[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }
}
