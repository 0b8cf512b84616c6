package io.sgagent.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.model.Family;
import io.sgagent.ruleset.IpsetRenderer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainNamesTest {
    private static final String NAME_64 = "a".repeat(20) + "-b".repeat(22);
    private static final String DEVICE_15 = "vnet-0123456789";

    @Test
    void longestInputsStillFitTheKernelLimits() {
        assertThat(NAME_64).hasSize(64);
        assertThat(DEVICE_15).hasSize(15);

        for (String chain : List.of(ChainNames.ingress(NAME_64), ChainNames.egress(NAME_64),
                ChainNames.antiSpoof(DEVICE_15), ChainNames.bridgeAntiSpoof(DEVICE_15), ChainNames.FORWARD,
                ChainNames.TO_VM, ChainNames.EGRESS_OK, ChainNames.PREROUTING, ChainNames.NOTRACK)) {
            assertThat(chain).startsWith(ChainNames.PREFIX).hasSizeLessThanOrEqualTo(28);
        }
        for (Family family : Family.values()) {
            for (String set : List.of(ChainNames.notrackSet(family), ChainNames.trackedSet(family))) {
                assertThat(set).startsWith(ChainNames.PREFIX).hasSizeLessThanOrEqualTo(31);
                assertThat(IpsetRenderer.temporaryName(set)).startsWith(ChainNames.PREFIX)
                        .hasSizeLessThanOrEqualTo(31).isNotEqualTo(set);
            }
        }
    }

    @Test
    void everyNameLengthFits() {
        for (int length = 1; length <= 64; length++) {
            String name = "v".repeat(length);
            assertThat(ChainNames.ingress(name)).hasSizeLessThanOrEqualTo(28);
            assertThat(ChainNames.egress(name)).hasSizeLessThanOrEqualTo(28);
        }
    }

    @Test
    void shortNamesAreUsedVerbatim() {
        assertThat(ChainNames.ingress("web")).isEqualTo("sga-i-web");
        assertThat(ChainNames.egress("web")).isEqualTo("sga-e-web");
        assertThat(ChainNames.antiSpoof("vnet7")).isEqualTo("sga-s-vnet7");
        assertThat(ChainNames.bridgeAntiSpoof("vnet7")).isEqualTo("sga-b-vnet7");
        String exactly22 = "exactly-twenty-two-ch1";
        assertThat(exactly22).hasSize(22);
        assertThat(ChainNames.ingress(exactly22)).isEqualTo("sga-i-" + exactly22).hasSize(28);
    }

    @Test
    void longNamesKeepA13CharacterPrefixAndAHash() {
        String name = "customer-4711-production-webserver-01";
        String tag = ChainNames.vmTag(name);
        assertThat(tag).hasSize(22).matches("customer-4711-[0-9a-f]{8}");
        assertThat(ChainNames.ingress(name)).isEqualTo("sga-i-" + tag);
        assertThat(ChainNames.egress(name)).isEqualTo("sga-e-" + tag);
        assertThat(ChainNames.vmTag(name)).as("deterministic").isEqualTo(tag);
    }

    @Test
    void twentyThreeCharactersIsHashed() {
        String name = "exactly-twenty-three-ch";
        assertThat(name).hasSize(23);
        assertThat(ChainNames.vmTag(name)).matches("exactly-twent-[0-9a-f]{8}");
    }

    @Test
    void aShortNameThatLooksHashedIsHashedToo() {
        String looksHashed = "abcdefghijklm-0123abcd";
        assertThat(looksHashed).hasSize(22);
        String tag = ChainNames.vmTag(looksHashed);
        assertThat(tag).isNotEqualTo(looksHashed).matches("abcdefghijklm-[0-9a-f]{8}");

        // so a real hashed form can never be claimed by another VM's verbatim name
        String longName = "customer-4711-production-webserver-01";
        String hashed = ChainNames.vmTag(longName);
        assertThat(ChainNames.vmTag(hashed)).isNotEqualTo(hashed);
    }

    @Test
    void uppercaseHexDoesNotLookHashedAndStaysVerbatim() {
        // hashes are lower-case hex, so this cannot collide with one
        assertThat(ChainNames.vmTag("abcdefghijklm-0123ABCD")).isEqualTo("abcdefghijklm-0123ABCD");
    }

    @Test
    void distinctLongNamesWithTheSamePrefixGetDistinctChains() {
        Set<String> chains = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String name = "tenant-000042-vm-" + i + "-long-enough-to-hash";
            assertThat(chains.add(ChainNames.ingress(name))).as(name).isTrue();
        }
        assertThat(chains).allSatisfy(c -> assertThat(c).startsWith("sga-i-tenant-000042-"));
    }

    @Test
    void setNamesPerFamily() {
        assertThat(ChainNames.notrackSet(Family.IPV4)).isEqualTo("sga-notrack-ipv4");
        assertThat(ChainNames.notrackSet(Family.IPV6)).isEqualTo("sga-notrack-ipv6");
        assertThat(ChainNames.trackedSet(Family.IPV4)).isEqualTo("sga-tracked-ipv4");
        assertThat(ChainNames.trackedSet(Family.IPV6)).isEqualTo("sga-tracked-ipv6");
    }
}
