package io.sgagent.api;

import static io.sgagent.api.pbt.PropertyCheck.forAll;
import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import io.sgagent.api.pbt.CompileCheck;
import io.sgagent.api.pbt.Gen;
import io.sgagent.api.pbt.HostileInputs;
import io.sgagent.compiler.ChainNames;
import io.sgagent.model.Addresses;
import io.sgagent.model.Cidr;
import io.sgagent.model.Family;
import io.sgagent.model.InvalidInputException;
import io.sgagent.model.Nic;
import io.sgagent.model.Protocol;
import io.sgagent.model.Vm;
import io.sgagent.reconcile.VmStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Property-based tests of the model's parsers and invariants (through the API's mapper where that is the entry
 * point): every parser either returns a canonical value or throws {@link IllegalArgumentException}, never anything
 * else; accepted values round-trip; accepted names always give kernel object names that fit; and what the API
 * returns for a VM can be sent back unchanged (normalisation is idempotent, so B10's "same content" holds).
 */
class ModelPropertiesTest {

    @Test
    void cidrParserReturnsCanonicalPrefixBlocksOrRejects() {
        forAll("Addresses.cidr", 5000, HostileInputs.cidr(), text -> {
            Cidr cidr;
            try {
                cidr = Addresses.cidr(text);
            } catch (IllegalArgumentException rejected) {
                return;
            }
            String canonical = cidr.toString();
            assertThat(canonical).matches("[0-9a-f.:]+/[0-9]{1,3}");
            assertThat(Addresses.cidr(canonical)).isEqualTo(cidr);
            assertThat(cidr.prefixLength()).isBetween(0, cidr.family() == Family.IPV4 ? 32 : 128);
        });
    }

    @Test
    void hostAddressParserReturnsCanonicalUnicastAddressesOrRejects() {
        Gen<String> texts = Gen.oneOf(HostileInputs.ipv4(), HostileInputs.ipv6());
        forAll("Addresses.host", 5000, texts, text -> {
            for (Family family : Family.values()) {
                IPAddress address;
                try {
                    address = Addresses.host(text, family);
                } catch (IllegalArgumentException rejected) {
                    continue;
                }
                String canonical = address.toCanonicalString();
                assertThat(canonical).matches("[0-9a-f.:]+");
                assertThat(address.isMulticast() || address.isLoopback() || address.isUnspecified()).isFalse();
                assertThat(Addresses.familyOf(address)).isEqualTo(family);
                assertThat(Addresses.host(canonical, family)).isEqualTo(address);
            }
        });
    }

    @Test
    void macParserReturnsLowerCaseUnicastMacsOrRejects() {
        forAll("Addresses.mac", 5000, HostileInputs.mac(), text -> {
            String mac;
            try {
                mac = Addresses.mac(text);
            } catch (IllegalArgumentException rejected) {
                return;
            }
            assertThat(mac).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
            assertThat(Integer.parseInt(mac.substring(0, 2), 16) & 1).as("unicast").isZero();
            assertThat(mac).isNotEqualTo("00:00:00:00:00:00");
            assertThat(Addresses.linkLocal(mac).toCanonicalString()).startsWith("fe80::");
        });
    }

    @Test
    void protocolParserNeverAcceptsZeroOrNonsense() {
        Gen<String> texts = HostileInputs.protocol().map(String::valueOf);
        forAll("Protocol.parse", 5000, texts, text -> {
            Protocol protocol;
            try {
                protocol = Protocol.parse(text);
            } catch (IllegalArgumentException rejected) {
                return;
            }
            assertThat(protocol.name()).matches("tcp|udp|icmp|all|[0-9]{1,3}");
            assertThat(protocol.number()).isNotZero().isBetween(-1, 255);
            assertThat(Protocol.parse(protocol.name())).isEqualTo(protocol);
        });
    }

    @Test
    void acceptedNamesAlwaysGiveKernelObjectNamesThatFit() {
        forAll("VM and device names", 5000, HostileInputs.name(), name -> {
            boolean valid = name.length() <= Vm.NAME_MAX && name.matches(Vm.NAME_PATTERN);
            assertThat(acceptedAsVmName(name)).as("VM name accepted").isEqualTo(valid);
            if (valid) {
                assertThat(ChainNames.ingress(name)).hasSizeLessThanOrEqualTo(28).matches("sga-i-[A-Za-z0-9_.-]+");
                assertThat(ChainNames.egress(name)).hasSizeLessThanOrEqualTo(28).matches("sga-e-[A-Za-z0-9_.-]+");
            }
            boolean validDevice = name.length() <= Nic.DEVICE_MAX && name.matches(Nic.DEVICE_PATTERN);
            assertThat(acceptedAsDevice(name)).as("device accepted").isEqualTo(validDevice);
            if (validDevice) {
                assertThat(ChainNames.antiSpoof(name)).hasSizeLessThanOrEqualTo(28);
                assertThat(ChainNames.bridgeAntiSpoof(name)).hasSizeLessThanOrEqualTo(31);
            }
        });
    }

    @Test
    void distinctVmNamesGetDistinctChains() {
        Gen<List<String>> pairs = Gen.lists(HostileInputs.validName(), 2, 2).filter(l -> !l.get(0).equals(l.get(1)));
        forAll("chain names are injective", 20000, pairs, pair ->
                assertThat(ChainNames.ingress(pair.get(0))).isNotEqualTo(ChainNames.ingress(pair.get(1))));
    }

    @Test
    void everyAcceptedVmCompilesAndNormalisationIsIdempotent() {
        int[] accepted = {0};
        Gen<NamedBody> vms = r -> new NamedBody(HostileInputs.name().next(r), HostileInputs.vm().next(r));
        forAll("mapper + compiler", 3000, vms, entry -> {
            Vm vm;
            try {
                VmRequest request = TestJson.MAPPER.convertValue(entry.body(), VmRequest.class);
                vm = VmRequestMapper.toVm(entry.name(), request);
            } catch (InvalidInputException | IllegalArgumentException | tools.jackson.core.JacksonException rejected) {
                return;
            }
            accepted[0]++;
            CompileCheck.compiles(vm);
            VmStatusResponse status = VmStatusResponse.from(new VmStatus(vm, false, false, Instant.EPOCH));
            Vm again = VmRequestMapper.toVm(status.name(),
                    new VmRequest(status.vmId(), status.seq(), status.nics(), status.ingress(), status.egress()));
            assertThat(again.sameContent(vm)).as("re-sending the normalised VM is the same content").isTrue();
            assertThat(again).isEqualTo(vm);
        });
        assertThat(accepted[0]).isGreaterThan(100);
    }

    record NamedBody(String name, Object body) {
    }

    private static boolean acceptedAsVmName(String name) {
        try {
            VmRequestMapper.requireValidName(name);
            new Vm(name, null, 0, List.of(new Nic("vnet1", "02:00:00:00:00:01", List.of(), List.of())), List.of(),
                    List.of());
            return true;
        } catch (InvalidInputException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean acceptedAsDevice(String device) {
        try {
            new Nic(device, "02:00:00:00:00:01", List.of(), List.of());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
