package io.sgagent.compiler;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.icmp;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static io.sgagent.fixtures.VmFixtures.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.fixtures.RuleBuilder;
import io.sgagent.fixtures.VmBuilder;
import io.sgagent.model.HostState;
import io.sgagent.model.Vm;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.RestoreRenderer;
import io.sgagent.ruleset.Ruleset;
import io.sgagent.ruleset.TableRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The memo between compiles must never change a result: random sequences of host states (VMs added, removed,
 * changed, renumbered, NICs and addresses moved) compile to equal rulesets on one long-lived compiler and on a
 * fresh compiler without the memo.
 */
class CompileMemoTest {
    private static final int SEQUENCES = 20;
    private static final int STEPS = 40;

    @Test
    void memoisedCompilesEqualFreshOnesOverRandomHostSequences() {
        for (long seed = 1; seed <= SEQUENCES; seed++) {
            Random random = new Random(seed);
            RulesetCompiler memoised = new RulesetCompiler();
            TreeMap<String, Vm> vms = new TreeMap<>();
            for (int step = 0; step < STEPS; step++) {
                mutate(vms, random);
                HostState host = new HostState(vms);
                Ruleset fresh = new RulesetCompiler().withoutMemo().compile(host);
                Ruleset reused = memoised.compile(host);
                assertThat(reused).as("seed %d step %d", seed, step).isEqualTo(fresh);
                for (int f = 0; f < 3; f++) {
                    assertThat(RestoreRenderer.render(reused.families().get(f)))
                            .isEqualTo(RestoreRenderer.render(fresh.families().get(f)));
                }
            }
        }
    }

    /**
     * 40 VMs compile the families one after the other; 80 compile IPv6 on the given second thread, sharing the memo
     * with the calling thread (which must then see each VM's parts of both families in one memo entry).
     */
    @ParameterizedTest
    @ValueSource(ints = {40, RulesetCompiler.PARALLEL_FROM + 16})
    void aOneVmChangeReusesEveryOtherVmsChainsAsTheSameObjects(int hostSize) {
        TreeMap<String, Vm> vms = new TreeMap<>();
        for (int i = 1; i <= hostSize; i++) {
            vms.put(name(i), vm(i, i, 1, i % 3, tcp(22).from(ANY4, ANY6)));
        }
        RulesetCompiler compiler = new RulesetCompiler();
        Set<String> ipv6Threads = ConcurrentHashMap.newKeySet();
        ExecutorService other = Executors.newSingleThreadExecutor(r -> new Thread(r, "other-compile"));
        Executor elsewhere = task -> other.execute(() -> {
            ipv6Threads.add(Thread.currentThread().getName());
            task.run();
        });
        Ruleset before = compiler.compile(new HostState(vms), elsewhere);
        vms.put(name(7), vm(7, 8, 1, 7 % 3, tcp(23).from(ANY4, ANY6)));
        Ruleset after = compiler.compile(new HostState(vms), elsewhere);
        other.shutdown();
        assertThat(ipv6Threads).isEqualTo(hostSize >= RulesetCompiler.PARALLEL_FROM ? Set.of("other-compile")
                : Set.of());
        assertThat(after).isEqualTo(new RulesetCompiler().withoutMemo().compile(new HostState(vms)));

        List<String> rebuilt = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            for (int t = 0; t < after.families().get(f).tables().size(); t++) {
                TableRules old = before.families().get(f).tables().get(t);
                for (Chain chain : after.families().get(f).tables().get(t).chains()) {
                    if (old.chain(chain.name()).orElse(null) != chain) {
                        rebuilt.add(chain.name());
                    }
                }
            }
        }
        // Only VM 7's chains (the memo works per VM), plus the fixed top-level chains every compile builds anew
        // (a few rules each); every dispatch chain and every other VM's chain is the very same object.
        assertThat(new java.util.TreeSet<>(rebuilt)).containsExactly("sga-EGRESS-OK", "sga-FORWARD",
                "sga-NOTRACK", "sga-PREROUTING", "sga-TO-VM", "sga-b-vnet71", "sga-e-vm07", "sga-i-vm07",
                "sga-n-vnet71", "sga-s-vnet71");
        assertThat(rebuilt).hasSize(8 + 9 + 2); // ipv4, ipv6 (plus the ND chain), bridge
        for (int s = 0; s < after.sets().size(); s++) {
            assertThat(after.sets().get(s)).isSameAs(before.sets().get(s));
        }
    }

    /** One random change: add, remove, change rules, bump seq, move a NIC, or swap addresses between VMs. */
    private static void mutate(TreeMap<String, Vm> vms, Random random) {
        int i = 1 + random.nextInt(12);
        String name = name(i);
        int kind = vms.isEmpty() ? 0 : random.nextInt(6);
        switch (kind) {
            case 0, 1 -> vms.put(name, randomVm(i, random));
            case 2 -> vms.remove(name);
            case 3 -> {
                Vm vm = vms.get(name);
                if (vm != null) {
                    vms.put(name, vm.withSeq(vm.seq() + 1)); // same content, new seq and new object
                }
            }
            case 4 -> {
                Vm vm = vms.get(name);
                if (vm != null) {
                    vms.put(name, new Vm(vm.name(), vm.vmId(), vm.seq(), vm.nics(), vm.ingress(), vm.egress()));
                }
            }
            default -> {
                // Replace the whole host by fresh, equal objects: the memo must hit on equality too.
                for (var entry : new ArrayList<>(vms.entrySet())) {
                    Vm vm = entry.getValue();
                    vms.put(entry.getKey(), new Vm(vm.name(), vm.vmId(), vm.seq(), List.copyOf(vm.nics()),
                            List.copyOf(vm.ingress()), List.copyOf(vm.egress())));
                }
            }
        }
    }

    private static Vm randomVm(int i, Random random) {
        RuleBuilder[] choices = {tcp(22).from(ANY4, ANY6), tcp(80, 90).from("10.1.0.0/16"), udp(53).from(ANY4),
            icmp(8).from("192.0.2.0/24", "fd00::/8"), all().from(ANY4, ANY6), udp().from("fd01::/16")};
        int rules = random.nextInt(4);
        RuleBuilder[] ingress = new RuleBuilder[rules];
        for (int k = 0; k < rules; k++) {
            ingress[k] = choices[random.nextInt(choices.length)];
        }
        return vm(i, random.nextInt(100), 1 + random.nextInt(3), random.nextInt(4), ingress);
    }

    /**
     * VM {@code i} with {@code nics} NICs (device numbers shifted by {@code shift}, so NICs and devices move
     * between compiles) and an optional address; devices, MACs and addresses stay unique per VM number.
     */
    private static Vm vm(int i, long seq, int nics, int shift, RuleBuilder... ingress) {
        VmBuilder builder = aVm(name(i)).seq(seq);
        for (int n = 0; n < nics; n++) {
            int device = i * 10 + (n + shift) % 10;
            builder.nic("vnet" + device, String.format("02:00:00:00:%02x:%02x", i, device % 256),
                    List.of("10.99." + i + "." + device % 256), shift % 2 == 0 ? List.of("fd99::" + device)
                            : List.of());
        }
        return builder.ingress(ingress).egress(udp(53).to(ANY4)).build();
    }

    private static String name(int i) {
        return String.format("vm%02d", i);
    }
}
