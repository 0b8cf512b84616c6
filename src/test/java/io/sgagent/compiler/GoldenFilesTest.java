package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.host;
import static io.sgagent.fixtures.VmFixtures.icmp;
import static io.sgagent.fixtures.VmFixtures.proto;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static io.sgagent.fixtures.VmFixtures.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.IpsetRenderer;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files of the pure compiler: for each representative host, the full text the agent would hand to
 * {@code iptables-restore}, {@code ip6tables-restore}, {@code ebtables-nft-restore} and {@code ipset restore}
 * on a kernel that holds none of our objects, compared byte for byte with
 * {@code src/test/resources/golden/<case>.txt}.
 *
 * <p><b>Update mode:</b> run with {@code -Dsgagent.golden.update=true} (for example
 * {@code ./mvnw -q test -Dtest=GoldenFilesTest -Dsgagent.golden.update=true}) and the test rewrites the files
 * instead of comparing. Then read the diff: a golden file is only worth something if a human has checked it
 * against DESIGN.md B1-B5.
 */
class GoldenFilesTest {
    private static final boolean UPDATE = Boolean.getBoolean("sgagent.golden.update");
    private static final Path DIR = Path.of(System.getProperty("basedir", "."), "src", "test", "resources", "golden");

    private static final String MAC1 = "02:00:00:00:00:01";
    private static final String MAC2 = "02:00:00:00:00:02";
    private static final String MAC3 = "02:00:00:00:00:03";

    /** Case name (the file name) -> a one-line description and the host. */
    static Map<String, GoldenCase> cases() {
        Map<String, GoldenCase> cases = new LinkedHashMap<>();
        cases.put("empty-host", new GoldenCase("no VMs: only the skeleton chains, hooks and empty sets",
                HostState.EMPTY));
        cases.put("ports", new GoldenCase("tcp/udp: single port, range, explicit full range, absent range",
                host(aVm("ports").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                        .ingress(tcp(22).from(ANY4, ANY6), tcp(8000, 8080).from("10.0.0.0/8"),
                                tcp(1, 65535).from("192.168.0.0/16"), tcp().from("172.16.0.0/12"),
                                udp(53).from(ANY4), udp(10000, 20000).from("2001:db8::/32"),
                                udp(1, 65535).from("fd00::/8"), tcp(65535).from("198.51.100.7"))
                        .egress(tcp(443).to(ANY4, ANY6), udp(123, 123).to("10.0.0.1"),
                                tcp(1, 1024).to("2001:db8::/32"))
                        .build())));
        cases.put("icmp", new GoldenCase("icmp any / type / type+code, IPv4 and IPv6 (icmpv6)",
                host(aVm("icmp").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                        .ingress(icmp().from(ANY4, ANY6), icmp(8).from("10.0.0.0/8"),
                                icmp(3, 4).from("10.0.0.0/8"), icmp(128).from(ANY6),
                                icmp(1, 4).from("2001:db8::/32"), icmp(8, 0).from("192.0.2.0/24", "2001:db8::/32"))
                        .egress(icmp(0).to(ANY4), icmp(129, 0).to(ANY6))
                        .build())));
        cases.put("numeric-protocols", new GoldenCase("protocol numbers 47 and 132; 6/17/1 normalised to names",
                host(aVm("numeric").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                        .ingress(proto(47).from(ANY4), proto(132).from(ANY4, ANY6), proto(6).from("10.0.0.0/8"),
                                proto(17).from("10.0.0.0/8"), proto(1).from(ANY4, ANY6), proto(58).from(ANY6))
                        .egress(proto(47).to("198.51.100.0/24"), proto(132).to(ANY6))
                        .build())));
        cases.put("all-protocol", new GoldenCase("protocol all with restricted CIDRs (not notrack)",
                host(aVm("allproto").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                        .ingress(all().from("10.0.0.0/8", "2001:db8::/32"))
                        .egress(all().to("192.168.0.0/16"))
                        .build())));
        cases.put("mixed-family-cidrs", new GoldenCase("one rule with IPv4 and IPv6 CIDRs lands in both families",
                host(aVm("mixed").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                        .ingress(tcp(22).from("10.0.0.0/8", "2001:db8::/32", "192.168.1.0/24", "fd00::/8"))
                        .egress(tcp(80).to("203.0.113.0/24", "2001:db8:1::/48"))
                        .build())));
        cases.put("ipv6-only-nic", new GoldenCase("a NIC without IPv4 addresses",
                host(aVm("v6only").nic("vnet1", MAC1, List.of(), List.of("2001:db8:99::5"))
                        .ingress(tcp(22).from(ANY4, ANY6))
                        .build())));
        cases.put("two-nics-secondary", new GoldenCase("two NICs, secondary IPv4 and IPv6 addresses",
                host(aVm("multi").nic("vnet1", MAC1, List.of("10.99.0.11", "10.99.0.12"),
                                List.of("fd99::11", "fd99::12"))
                        .nic("vnet2", MAC2, List.of("10.98.0.11"), List.of())
                        .ingress(tcp(22).from(ANY4, ANY6))
                        .build())));
        cases.put("notrack-per-family", new GoldenCase(
                "v4open: untracked in IPv4 only; v6open: untracked in IPv6 only; tracked: tracked in both",
                host(aVm("v4open").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                                .ingress(all().from(ANY4, ANY6))
                                .egress(tcp(443).to(ANY6))
                                .build(),
                        aVm("v6open").nic("vnet2", MAC2, List.of("10.99.0.12"), List.of("fd99::12"))
                                .ingress(all().from(ANY6), tcp(22).from(ANY4))
                                .egress(all().to(ANY6), tcp(80).to(ANY4))
                                .build(),
                        aVm("tracked").nic("vnet3", MAC3, List.of("10.99.0.13"), List.of("fd99::13"))
                                .ingress(tcp(22).from(ANY4, ANY6))
                                .build())));
        cases.put("one-way-allow-all", new GoldenCase(
                "inopen: ingress all from anywhere, egress restricted; outopen: the reverse. Both stay tracked",
                host(aVm("inopen").nic("vnet1", MAC1, List.of("10.99.0.11"), List.of("fd99::11"))
                                .ingress(all().from(ANY4, ANY6))
                                .egress(tcp(443).to(ANY4, ANY6))
                                .build(),
                        aVm("outopen").nic("vnet2", MAC2, List.of("10.99.0.12"), List.of("fd99::12"))
                                .ingress(tcp(22).from(ANY4, ANY6))
                                .egress(all().to(ANY4, ANY6))
                                .build())));
        cases.put("several-vms", new GoldenCase("dispatch order over several VMs (given out of order)",
                host(aVm("web").nic("vnet7", "02:00:00:00:00:07", List.of("10.99.0.7"), List.of("fd99::7"))
                                .ingress(tcp(80).from(ANY4, ANY6))
                                .build(),
                        aVm("db").nic("vnet3", MAC3, List.of("10.99.0.3"), List.of())
                                .ingress(tcp(5432).from("10.99.0.7"))
                                .egress(udp(123).to(ANY4))
                                .build(),
                        aVm("Zeta").nic("vnet12", "02:00:00:00:00:12", List.of("10.99.0.12"), List.of())
                                .nic("vnet10", "02:00:00:00:00:10", List.of("10.98.0.12"), List.of())
                                .ingress(all().from(ANY4, ANY6))
                                .build(),
                        aVm("app-1").nic("vnet1", MAC1, List.of("10.99.0.1"), List.of("fd99::1"))
                                .ingress(tcp(8080).from("10.99.0.0/24"))
                                .egress(tcp(5432).to("10.99.0.3"))
                                .build())));
        cases.put("long-name", new GoldenCase(
                "names over 22 characters, and a 22-character name that looks hashed, get hashed chain names",
                host(aVm("customer-4711-production-webserver-01").vmId(4711)
                                .nic("vnet1", MAC1, List.of("10.99.0.11"), List.of())
                                .ingress(tcp(443).from(ANY4))
                                .build(),
                        aVm("exactly-twenty-two-ch1").nic("vnet2", MAC2, List.of("10.99.0.12"), List.of())
                                .ingress(tcp(22).from(ANY4))
                                .build(),
                        aVm("abcdefghijklm-0123abcd").nic("vnet3", MAC3, List.of("10.99.0.13"), List.of())
                                .ingress(tcp(22).from(ANY4))
                                .build())));
        return cases;
    }

    record GoldenCase(String description, HostState host) {
    }

    static Stream<Arguments> caseNames() {
        return cases().keySet().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void compilerOutputMatchesGoldenFile(String name) throws IOException {
        GoldenCase golden = cases().get(name);
        String actual = "# " + golden.description() + "\n" + render(golden.host());
        Path file = DIR.resolve(name + ".txt");
        if (UPDATE) {
            Files.createDirectories(DIR);
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(file).as("golden file missing; run with -Dsgagent.golden.update=true").exists();
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual,
                "compiler output differs from " + file + "; if intended, rerun with -Dsgagent.golden.update=true "
                        + "and review the diff");
    }

    @Test
    void everyGoldenFileBelongsToACase() throws IOException {
        if (UPDATE) {
            return;
        }
        List<String> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(DIR)) {
            list.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".txt"))
                    .map(f -> f.substring(0, f.length() - 4)).forEach(files::add);
        }
        assertThat(files).containsExactlyInAnyOrderElementsOf(cases().keySet());
    }

    @Test
    void compilingTheSameHostTwiceGivesIdenticalText() {
        for (GoldenCase golden : cases().values()) {
            assertEquals(render(golden.host()), render(golden.host()));
            assertEquals(render(golden.host()), new GoldenRender(new RulesetCompiler()).apply(golden.host()));
        }
    }

    @Test
    void insertionOrderOfVmsDoesNotMatter() {
        HostState several = cases().get("several-vms").host();
        List<Vm> vms = new ArrayList<>(several.vms().values());
        String expected = render(several);
        for (int i = 0; i < 5; i++) {
            Collections.rotate(vms, 1);
            HostState viaWith = HostState.EMPTY;
            for (Vm vm : vms) {
                viaWith = viaWith.with(vm);
            }
            assertEquals(expected, render(viaWith));
            Collections.reverse(vms);
            assertEquals(expected, render(host(vms.toArray(Vm[]::new))));
        }
    }

    /**
     * HostState promises name order, but its constructor copies a caller's SortedMap with {@code new
     * TreeMap<>(SortedMap)}, which keeps the caller's comparator: a map sorted in reverse gives a different
     * dispatch order (and different text) for the same VMs.
     */
    @Test
    void aReverseSortedMapGivesTheSameText() {
        HostState several = cases().get("several-vms").host();
        TreeMap<String, Vm> reversed = new TreeMap<>(Comparator.reverseOrder());
        reversed.putAll(several.vms());
        assertEquals(render(several), render(new HostState(reversed)));
    }

    static String render(HostState host) {
        return new GoldenRender(new RulesetCompiler()).apply(host);
    }

    /** The text of one host: each family's restore transaction and the ipset script, under headers. */
    record GoldenRender(RulesetCompiler compiler) {
        String apply(HostState host) {
            Ruleset ruleset = compiler.compile(host);
            return "## IPV4\n" + RestoreRenderer.render(ruleset.ipv4())
                    + "## IPV6\n" + RestoreRenderer.render(ruleset.ipv6())
                    + "## BRIDGE\n" + RestoreRenderer.render(ruleset.bridge())
                    + "## IPSET\n" + IpsetRenderer.render(ruleset.sets(), Map.of());
        }
    }
}
