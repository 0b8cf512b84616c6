package io.sgagent.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.api.common.ProblemType;
import io.sgagent.cloudstack.CloudStackResult.Done;
import io.sgagent.cloudstack.CloudStackResult.Refused;
import io.sgagent.config.SgAgentProperties.Limits;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.Nic;
import io.sgagent.model.Vm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The adapter's folding of CloudStack's incremental calls, against an in-memory agent. */
class CloudStackAdapterTest {
    static final String VM = "i-2-7-VM";
    static final String RULES = "I:tcp;22;22;0.0.0.0/0,::/0,NEXT;E:all;0;0;0.0.0.0/0,NEXT;";

    FakeService service;
    MemoryViewStore store;
    CloudStackAdapter adapter;

    @BeforeEach
    void setUp() {
        service = new FakeService();
        store = new MemoryViewStore();
        adapter = new CloudStackAdapter(service, store, Limits.defaults());
    }

    /** The options of one call, like the client sends them. */
    static CloudStackCall call(String... pairs) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            o.put(pairs[i], pairs[i + 1]);
        }
        return new CloudStackCall(o.get("vmname"), o.get("vmid"), o.get("vmip"), o.get("vmip6"), o.get("vmmac"),
                o.get("vif"), o.get("brname"), o.get("nicsecips"), o.containsKey("isFirstNic") ? true : null,
                o.containsKey("check") ? true : null, o.get("sig"), o.get("seq"), o.get("rules"), o.get("action"),
                null, null, null, null, null, o.get("directrouted") == null ? null : true, o.get("domid"),
                null);
    }

    static CloudStackCall nic1(String... more) {
        return with(call("vmname", VM, "vmid", "7", "vmip", "10.1.1.7", "vmip6", "2001:db8::7",
                "vmmac", "1e:00:b4:00:00:07", "vif", "vnet7", "brname", "cloudbr0", "nicsecips", "0;"), more);
    }

    static CloudStackCall nic2(String... more) {
        return with(call("vmname", VM, "vmid", "7", "vmip", "10.2.2.7", "vmmac", "1e:00:b4:00:00:17", "vif", "vnet8",
                "brname", "cloudbr1", "nicsecips", "10.2.2.70;10.2.2.71;"), more);
    }

    static CloudStackCall rules(String seq, String rules) {
        return call("vmname", VM, "vmid", "7", "vmip", "10.1.1.7", "sig", "sig-" + seq + "-" + rules.hashCode(),
                "seq", seq, "vmmac", "1e:00:b4:00:00:07", "vif", "vnet7", "brname", "cloudbr0", "nicsecips", "0;",
                "rules", rules);
    }

    private static CloudStackCall with(CloudStackCall base, String... more) {
        CloudStackCall c = base;
        for (String flag : more) {
            c = new CloudStackCall(c.vmName(), c.vmId(), c.vmIp(), c.vmIp6(), c.vmMac(), c.vif(), c.brName(),
                    c.nicSecIps(), flag.equals("isFirstNic") ? Boolean.TRUE : c.isFirstNic(),
                    flag.equals("check") ? Boolean.TRUE : c.check(), c.sig(), c.seq(), c.rules(), c.action(),
                    c.privNic(), c.localBrName(), c.dhcpSvr(), c.hostIp(), c.hostMacAddr(), c.directRouted(), c.domId(),
                    c.running());
        }
        return c;
    }

    private Vm stored() {
        return service.stored.get(VM);
    }

    private void startTwoNics() {
        assertThat(adapter.defaultNetworkRules(nic1("isFirstNic"))).isInstanceOf(Done.class);
        assertThat(adapter.defaultNetworkRules(nic2())).isInstanceOf(Done.class);
    }

    @Test
    void aStartWithTwoNicsFoldsIntoOneVmWithoutRules() {
        startTwoNics();
        Vm vm = stored();
        assertThat(vm.vmId()).isEqualTo(7L);
        assertThat(vm.nics()).extracting(Nic::device).containsExactly("vnet7", "vnet8");
        assertThat(vm.nics().get(0).ipv4()).extracting(Object::toString).containsExactly("10.1.1.7");
        assertThat(vm.nics().get(0).ipv6()).extracting(Object::toString).containsExactly("2001:db8::7");
        assertThat(vm.nics().get(1).ipv4()).extracting(Object::toString)
                .containsExactly("10.2.2.7", "10.2.2.70", "10.2.2.71");
        assertThat(vm.ingress()).isEmpty();
        assertThat(vm.egress()).isEmpty();
        assertThat(service.puts).extracting(Vm::seq).containsExactly(1L, 2L);
        assertThat(adapter.ruleLogs()).isEqualTo(VM + ",7,10.1.1.7,-1,_initial_,-1");
    }

    @Test
    void rulesApplyToEveryNicAndTheTupleCarriesCloudStacksSigAndSeq() {
        startTwoNics();
        Done done = (Done) adapter.addNetworkRules(rules("1", RULES));
        assertThat(done.outcome()).isEqualTo("applied");
        assertThat(stored().nics()).hasSize(2);
        assertThat(stored().ingress()).hasSize(1);
        assertThat(stored().egress()).hasSize(1);
        assertThat(adapter.ruleLogs()).isEqualTo(VM + ",7,10.1.1.7,-1,sig-1-" + RULES.hashCode() + ",1");
    }

    @Test
    void theSameTupleIsANoOpWithoutAWrite() {
        startTwoNics();
        adapter.addNetworkRules(rules("1", RULES));
        int puts = service.puts.size();
        Done again = (Done) adapter.addNetworkRules(rules("1", RULES));
        assertThat(again.outcome()).isEqualTo("duplicate");
        assertThat(service.puts).hasSize(puts);
        Done recheck = (Done) adapter.defaultNetworkRules(nic1("check"));
        assertThat(recheck.outcome()).isEqualTo("unchanged");
        assertThat(service.puts).as("--check of a programmed NIC writes nothing").hasSize(puts);
    }

    @Test
    void aLowerCloudStackSeqIsAppliedBecauseTheManagementServerIsAuthoritative() {
        startTwoNics();
        adapter.addNetworkRules(rules("5", RULES));
        Done lower = (Done) adapter.addNetworkRules(rules("3", "I:tcp;80;80;0.0.0.0/0,NEXT;"));
        assertThat(lower.outcome()).isEqualTo("applied");
        assertThat(lower.message()).contains("went back from 5");
        assertThat(stored().ingress().get(0).ports().start()).isEqualTo(80);
        assertThat(adapter.ruleLogs()).endsWith(",3");
        assertThat(service.puts).extracting(Vm::seq).as("the agent's own seq still increases").isSorted();
    }

    @Test
    void theSameSeqWithAnotherSignatureIsReprogrammed() {
        startTwoNics();
        adapter.addNetworkRules(rules("4", RULES));
        CloudStackCall other = rules("4", "I:tcp;80;80;0.0.0.0/0,NEXT;");
        assertThat(((Done) adapter.addNetworkRules(other)).outcome()).isEqualTo("applied");
    }

    @Test
    void theFirstNicResetsTheVm() {
        startTwoNics();
        adapter.addNetworkRules(rules("1", RULES));
        Done reset = (Done) adapter.defaultNetworkRules(nic1("isFirstNic"));
        assertThat(reset.outcome()).isEqualTo("applied");
        assertThat(stored().nics()).extracting(Nic::device).containsExactly("vnet7");
        assertThat(stored().ingress()).isEmpty();
        assertThat(adapter.ruleLogs()).as("CloudStack resends the rules").endsWith(",_initial_,-1");
        assertThat(((Done) adapter.addNetworkRules(rules("1", RULES))).outcome())
                .as("the same rules again after a reset are not a duplicate").isEqualTo("applied");
    }

    @Test
    void checkRepairsAVmTheAgentLost() {
        startTwoNics();
        adapter.addNetworkRules(rules("1", RULES));
        service.stored.remove(VM);
        assertThat(adapter.ruleLogs()).as("not in force").endsWith(",_initial_,-1");
        Done check = (Done) adapter.defaultNetworkRules(nic1("check"));
        assertThat(check.outcome()).isEqualTo("applied");
        assertThat(stored().nics()).hasSize(2);
        assertThat(stored().ingress()).as("the view's rules come back too").hasSize(1);
        assertThat(adapter.ruleLogs()).endsWith(",1");
    }

    @Test
    void aVmChangedThroughThePlainApiIsNotInForceAndIsReprogrammedByTheSameTuple() {
        startTwoNics();
        adapter.addNetworkRules(rules("1", RULES));
        Vm changed = stored().withSeq(stored().seq() + 10);
        service.stored.put(VM, new Vm(VM, 7L, changed.seq(), changed.nics(), List.of(), List.of()));
        assertThat(adapter.ruleLogs()).endsWith(",_initial_,-1");
        Done again = (Done) adapter.addNetworkRules(rules("1", RULES));
        assertThat(again.outcome()).isEqualTo("applied");
        assertThat(stored().ingress()).hasSize(1);
        assertThat(stored().seq()).isGreaterThan(changed.seq());
    }

    @Test
    void perNicDestroyRemovesOneNicAndTheLastNicRemovesTheVm() {
        startTwoNics();
        adapter.addNetworkRules(rules("1", RULES));
        Done unplug = (Done) adapter.destroy(call("vmname", VM, "vmip", "10.2.2.7", "vmmac", "1e:00:b4:00:00:17",
                "vif", "vnet8", "nicsecips", "10.2.2.70;10.2.2.71;"));
        assertThat(unplug.outcome()).isEqualTo("applied");
        assertThat(stored().nics()).extracting(Nic::device).containsExactly("vnet7");
        assertThat(stored().ingress()).hasSize(1);
        Done last = (Done) adapter.destroy(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "vif", "vnet7",
                "nicsecips", "0;"));
        assertThat(last.outcome()).isEqualTo("removed");
        assertThat(stored()).isNull();
        assertThat(adapter.ruleLogs()).isEmpty();
    }

    @Test
    void anIpv6OnlyNicIsUnpluggedAloneNotTheWholeVm() {
        adapter.defaultNetworkRules(nic1("isFirstNic"));
        adapter.defaultNetworkRules(call("vmname", VM, "vmid", "7", "vmip6", "2001:db8:9::7", "vmmac",
                "1e:00:b4:00:00:27", "vif", "vnet9", "nicsecips", "0;"));
        assertThat(stored().nics().get(1).ipv4()).isEmpty();
        // No --vmip: CloudStack's script would take this for a whole-VM destroy.
        adapter.destroy(call("vmname", VM, "vmmac", "1e:00:b4:00:00:27", "vif", "vnet9", "nicsecips", "0;"));
        assertThat(stored().nics()).extracting(Nic::device).containsExactly("vnet7");
    }

    @Test
    void vmDestroyRemovesEverythingAndIsIdempotent() {
        startTwoNics();
        Done destroyed = (Done) adapter.destroy(call("vmname", VM, "vif", "vnet7"));
        assertThat(destroyed.outcome()).isEqualTo("removed");
        assertThat(service.stored).isEmpty();
        assertThat(store.views).isEmpty();
        assertThat(((Done) adapter.destroy(call("vmname", VM, "vif", "vnet7"))).outcome()).isEqualTo("absent");
    }

    @Test
    void secondaryAddressesComeAndGo() {
        startTwoNics();
        Done add = (Done) adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips",
                "10.1.1.70", "action", "-A"));
        assertThat(add.outcome()).isEqualTo("applied");
        assertThat(stored().nics().get(0).ipv4()).extracting(Object::toString).containsExactly("10.1.1.7", "10.1.1.70");
        adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips", "2001:db8::70;",
                "action", "-A"));
        assertThat(stored().nics().get(0).ipv6()).extracting(Object::toString).containsExactly("2001:db8::7",
                "2001:db8::70");
        adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips", "10.1.1.70",
                "action", "-D"));
        assertThat(stored().nics().get(0).ipv4()).extracting(Object::toString).containsExactly("10.1.1.7");
        assertThat(((Done) adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips",
                "10.1.1.70", "action", "-D"))).outcome()).isEqualTo("unchanged");
    }

    @Test
    void secondaryAddressOfAnUnknownVm() {
        assertThat(adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips", "10.1.1.70",
                "action", "-A"))).isEqualTo(Refused.of(ProblemType.CLOUDSTACK_UNKNOWN_VM, "VM " + VM + " has no NIC with MAC "
                + "1e:00:b4:00:00:07"));
        assertThat(((Done) adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips",
                "10.1.1.70", "action", "-D"))).outcome()).isEqualTo("absent");
        assertThatThrownBy(() -> adapter.secondaryIp(call("vmname", VM, "vmmac", "1e:00:b4:00:00:07", "nicsecips",
                "10.1.1.70", "action", "A"))).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void addNetworkRulesSyncsTheSecondaryAddressesOfItsNic() {
        startTwoNics();
        adapter.addNetworkRules(with(rules("1", RULES)));
        CloudStackCall withSecondary = new CloudStackCall(VM, "7", "10.1.1.7", null, "1e:00:b4:00:00:07", "vnet7",
                "cloudbr0", "10.1.1.80;", null, null, "sig-2", "2", RULES, null, null, null, null, null, null, null,
                null, null);
        adapter.addNetworkRules(withSecondary);
        assertThat(stored().nics().get(0).ipv4()).extracting(Object::toString).containsExactly("10.1.1.7", "10.1.1.80");
    }

    @Test
    void addNetworkRulesForAnUnknownVmRegistersItsNicLikeTheScriptDoes() {
        Done done = (Done) adapter.addNetworkRules(rules("1", RULES));
        assertThat(done.outcome()).isEqualTo("applied");
        assertThat(stored().nics()).extracting(Nic::device).containsExactly("vnet7");
        CloudStackCall bare = new CloudStackCall("i-9-9-VM", "9", "10.9.9.9", null, null, null, null, null, null,
                null, "s", "1", RULES, null, null, null, null, null, null, null, null, null);
        assertThat(adapter.addNetworkRules(bare)).isInstanceOf(Refused.class)
                .matches(r -> ((Refused) r).is(ProblemType.CLOUDSTACK_UNKNOWN_VM));
    }

    @Test
    void aRefusingKernelLeavesTheViewAsItWas() {
        startTwoNics();
        adapter.addNetworkRules(rules("1", RULES));
        String before = adapter.ruleLogs();
        service.failing = "iptables-restore: line 7 failed";
        assertThat(adapter.addNetworkRules(rules("2", "I:tcp;80;80;0.0.0.0/0,NEXT;")))
                .isEqualTo(Refused.of(ProblemType.APPLY_FAILED, "iptables-restore: line 7 failed"));
        assertThat(adapter.ruleLogs()).isEqualTo(before);
        assertThat(stored().ingress().get(0).ports().start()).isEqualTo(22);
        service.failing = null;
        assertThat(((Done) adapter.addNetworkRules(rules("2", "I:tcp;80;80;0.0.0.0/0,NEXT;"))).outcome())
                .as("the retry is not taken for a duplicate").isEqualTo("applied");
    }

    @Test
    void anAddressOfAnotherVmIsAConflict() {
        startTwoNics();
        CloudStackCall other = call("vmname", "i-3-8-VM", "vmid", "8", "vmip", "10.1.1.7", "vmmac",
                "1e:00:b4:00:00:08", "vif", "vnet20", "nicsecips", "0;", "isFirstNic", "");
        CloudStackResult result = adapter.defaultNetworkRules(other);
        assertThat(result).isInstanceOf(Refused.class).matches(r -> ((Refused) r).is(ProblemType.HOST_CONFLICT));
        assertThat(adapter.ruleLogs()).doesNotContain("i-3-8-VM");
    }

    static CloudStackCall running(CloudStackCall c, String... names) {
        return new CloudStackCall(c.vmName(), c.vmId(), c.vmIp(), c.vmIp6(), c.vmMac(), c.vif(), c.brName(),
                c.nicSecIps(), c.isFirstNic(), c.check(), c.sig(), c.seq(), c.rules(), c.action(), c.privNic(),
                c.localBrName(), c.dhcpSvr(), c.hostIp(), c.hostMacAddr(), c.directRouted(), c.domId(), List.of(names));
    }

    @Test
    void aVmLibvirtNoLongerRunsGivesUpItsDeviceAndAddresses() {
        startTwoNics();
        // VM 7 died without a stop; libvirt gives vnet7 and CloudStack gives 10.1.1.7 to VM 8.
        CloudStackCall next = call("vmname", "i-3-8-VM", "vmid", "8", "vmip", "10.1.1.7", "vmmac",
                "1e:00:b4:00:00:08", "vif", "vnet7", "nicsecips", "0;", "isFirstNic", "");
        assertThat(adapter.defaultNetworkRules(next)).as("without libvirt's list nothing is taken away")
                .isInstanceOf(Refused.class);
        assertThat(adapter.defaultNetworkRules(running(next, "i-3-8-VM", VM)))
                .as("a VM libvirt runs keeps what it has").isInstanceOf(Refused.class);
        Done done = (Done) adapter.defaultNetworkRules(running(next, "i-3-8-VM"));
        assertThat(done.message()).contains("removed the rules of " + VM);
        assertThat(service.stored).containsOnlyKeys("i-3-8-VM");
        assertThat(adapter.ruleLogs()).startsWith("i-3-8-VM,8,10.1.1.7,");
    }

    @Test
    void invalidRulesAreRefusedBeforeAnythingChanges() {
        startTwoNics();
        int puts = service.puts.size();
        assertThatThrownBy(() -> adapter.addNetworkRules(rules("1", "I:tcp;22;22;999.0.0.1/32,NEXT;")))
                .isInstanceOf(InvalidInputException.class);
        assertThat(service.puts).hasSize(puts);
    }

    @Test
    void missingOptionsAreNamed() {
        assertThatThrownBy(() -> adapter.defaultNetworkRules(call("vmname", VM)))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).violations())
                        .extracting(InvalidInputException.Violation::field)
                        .containsExactly("--vmid", "--vif", "--vmmac"));
    }

    @Test
    void aRestartedAdapterPrintsTheSameTuples() {
        startTwoNics();
        adapter.addNetworkRules(rules("3", RULES));
        String before = adapter.ruleLogs();
        CloudStackAdapter restarted = new CloudStackAdapter(service, store, Limits.defaults());
        assertThat(restarted.ruleLogs()).isEqualTo(before);
        assertThat(((Done) restarted.addNetworkRules(rules("3", RULES))).outcome()).isEqualTo("duplicate");
    }

    @Test
    void aViewThatCannotBeStoredFailsTheCallButTheNextResyncRepairsIt() {
        startTwoNics();
        store.failing = true;
        assertThat(adapter.addNetworkRules(rules("1", RULES))).isInstanceOf(Refused.class)
                .matches(r -> ((Refused) r).is(ProblemType.CLOUDSTACK_VIEW_NOT_STORED));
        assertThat(adapter.ruleLogs()).as("the old view is not in force any more").endsWith(",_initial_,-1");
        store.failing = false;
        Done retry = (Done) adapter.addNetworkRules(rules("1", RULES));
        assertThat(retry.outcome()).as("the content is already programmed").isEqualTo("unchanged");
        assertThat(adapter.ruleLogs()).endsWith(",1");
    }

    @Test
    void cleanupRemovesWhatLibvirtDoesNotRun() {
        startTwoNics();
        adapter.defaultNetworkRules(call("vmname", "i-3-8-VM", "vmid", "8", "vmip", "10.3.3.8", "vmmac",
                "1e:00:b4:00:00:08", "vif", "vnet20", "nicsecips", "0;", "isFirstNic", ""));
        Done done = (Done) adapter.cleanup(List.of(VM, "r-4-VM"));
        assertThat(done.message()).contains("i-3-8-VM");
        assertThat(service.stored).containsOnlyKeys(VM);
        assertThat(((Done) adapter.cleanup(List.of(VM))).outcome()).isEqualTo("unchanged");
    }

    @Test
    void verifyNamesTheMissingPart() {
        startTwoNics();
        CloudStackCall ok = call("vmname", VM, "vmip", "10.2.2.7", "vmmac", "1e:00:b4:00:00:17", "vif", "vnet8",
                "nicsecips", "10.2.2.70;");
        assertThat(((Done) adapter.verify(ok, true)).exitCode()).isZero();
        assertThat(((Done) adapter.verify(call("vmname", VM, "vmip", "10.2.2.99", "vmmac", "1e:00:b4:00:00:17"),
                true)).exitCode()).isEqualTo(2);
        assertThat(((Done) adapter.verify(ok, false)).exitCode()).isEqualTo(3);
        assertThat(((Done) adapter.verify(call("vmname", VM, "vmip", "10.2.2.7", "vmmac", "1e:00:b4:00:00:17",
                "vif", "vnet99"), true)).exitCode()).isEqualTo(4);
        assertThat(((Done) adapter.verify(call("vmname", VM, "vmip", "10.2.2.7", "vmmac", "1e:00:b4:00:00:99",
                "vif", "vnet8"), true)).exitCode()).isEqualTo(5);
        assertThat(((Done) adapter.verify(call("vmname", "i-9-9-VM", "vmip", "10.9.9.9", "vmmac",
                "1e:00:b4:00:00:99"), true)).exitCode()).isEqualTo(2);
    }

    @Test
    void theDomainIdIsPartOfTheTuple() {
        adapter.defaultNetworkRules(with(nic1("isFirstNic")));
        CloudStackCall withDom = new CloudStackCall(VM, "7", "10.1.1.7", null, "1e:00:b4:00:00:07", "vnet7",
                "cloudbr0", "0;", null, null, "s1", "1", RULES, null, null, null, null, null, null, null, "12", null);
        adapter.addNetworkRules(withDom);
        assertThat(adapter.ruleLogs()).isEqualTo(VM + ",7,10.1.1.7,12,s1,1");
    }

    /** Issue 13: the host's devices are never a VM's; --directrouted is accepted but a routed NIC is not filtered. */
    @Test
    void hostDevicesAndRoutedNicsAreRefusedBeforeAnythingChanges() {
        for (String device : List.of("eth0", "cloudbr0", "lo")) {
            CloudStackCall start = call("vmname", VM, "vmid", "7", "vmip", "10.1.1.7", "vmmac", "1e:00:b4:00:00:07",
                    "vif", device, "brname", "cloudbr0", "nicsecips", "0;");
            assertThatThrownBy(() -> adapter.defaultNetworkRules(start)).isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).violations().get(0).field())
                            .isEqualTo("--vif"));
        }
        assertThatThrownBy(() -> adapter.defaultNetworkRules(with(call("vmname", VM, "vmid", "7", "vmip", "10.1.1.7",
                "vmmac", "1e:00:b4:00:00:07", "vif", "vnet7", "directrouted", "true"))))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).violations().get(0).field())
                        .isEqualTo("--directrouted"));
        assertThat(service.list()).isEmpty();
        assertThat(adapter.destroy(call("vmname", VM, "directrouted", "true"))).isInstanceOf(Done.class);
    }

    @Test
    void ruleLogsListOnlyUserVms() {
        adapter.defaultNetworkRules(nic1("isFirstNic"));
        CloudStackCall router = call("vmname", "r-4-VM", "vmid", "4", "vmip", "10.1.1.4", "vmmac", "1e:00:b4:00:00:04",
                "vif", "vnet4", "brname", "cloudbr0", "nicsecips", "0;");
        assertThat(adapter.defaultNetworkRules(router)).isInstanceOf(Done.class);
        assertThat(adapter.ruleLogs()).isEqualTo(VM + ",7,10.1.1.7,-1,_initial_,-1");
    }
}
