package io.sgagent.api.common;

import static io.sgagent.fixtures.VmFixtures.aVm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.model.Vm;
import io.sgagent.netfilter.HostDevices;
import io.sgagent.netfilter.ProcessResult;
import io.sgagent.netfilter.ProcessRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/** The kernel check of a VM's devices, and which devices an update may skip (issue 11: no ip process per update). */
class DevicePolicyTest {
    private final List<String> lookedUp = new ArrayList<>();
    /** Every device is a bridge: any device actually looked at is refused. */
    private final DevicePolicy policy = new DevicePolicy(DevicePolicy.DEFAULT_PATTERN,
            new HostDevices(new ProcessRunner("", Duration.ofSeconds(1)) {
                @Override
                public ProcessResult run(List<String> argv, String stdin) {
                    String device = argv.get(argv.size() - 1);
                    lookedUp.add(device);
                    return new ProcessResult(argv, 0, "[{\"ifname\":\"" + device + "\",\"flags\":[\"UP\"],"
                            + "\"link_type\":\"ether\",\"linkinfo\":{\"info_kind\":\"bridge\"}}]", "");
                }
            }));

    private static Vm twoNics() {
        return aVm("web").nic("vnet1", "02:00:00:00:00:01", List.of("10.0.0.1"), List.of())
                .nic("vnet2", "02:00:00:00:00:02", List.of("10.0.0.2"), List.of()).build();
    }

    @Test
    void devicesTheVmAlreadyHasProgrammedAreNotLookedAtAgain() {
        policy.requireVmPorts(twoNics(), "", Set.of("vnet1", "vnet2"));

        assertThat(lookedUp).isEmpty();
    }

    @Test
    void aNicAddedByAnUpdateIsLookedAtAndRefusedWhenItIsNotAVmPort() {
        assertThatThrownBy(() -> policy.requireVmPorts(twoNics(), "", Set.of("vnet1")))
                .isInstanceOf(ErrorResponseException.class);

        assertThat(lookedUp).containsExactly("vnet2");
    }

    @Test
    void aNewVmHasEveryDeviceLookedAt() {
        assertThatThrownBy(() -> policy.requireVmPorts(twoNics(), "")).isInstanceOf(ErrorResponseException.class);

        assertThat(lookedUp).containsExactly("vnet1", "vnet2");
    }
}
