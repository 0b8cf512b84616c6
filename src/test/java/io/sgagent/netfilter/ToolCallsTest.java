package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ToolCallsTest {
    @Test
    void callsRunSideBySide() {
        // Each call waits until all three are running: only possible if they really run at the same time.
        CountDownLatch running = new CountDownLatch(3);
        ToolCalls.Call<Boolean> call = () -> {
            running.countDown();
            try {
                return running.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new KernelApplyException("interrupted");
            }
        };

        assertThat(ToolCalls.all(List.of(call, call, call))).extracting(ToolCalls.Outcome::value)
                .containsExactly(true, true, true);
    }

    @Test
    void outcomesKeepTheOrderGivenAndCarryEachFailure() {
        List<ToolCalls.Outcome<String>> outcomes = ToolCalls.all(List.of(
                () -> "ipv4",
                () -> {
                    throw new KernelApplyException("ip6tables-restore: line 3 failed");
                },
                () -> "bridge"));

        assertThat(outcomes).extracting(ToolCalls.Outcome::value).containsExactly("ipv4", null, "bridge");
        assertThat(outcomes.get(1).ok()).isFalse();
        assertThat(outcomes.get(1).failure()).hasMessageContaining("line 3");
    }

    @Test
    void aFailureIsThrownOnlyAfterEveryCallEnded() {
        AtomicBoolean slowEnded = new AtomicBoolean();
        ToolCalls.Call<Void> failsAtOnce = () -> {
            throw new KernelApplyException("refused");
        };
        ToolCalls.Call<Void> slow = () -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            slowEnded.set(true);
            return null;
        };

        assertThatThrownBy(() -> ToolCalls.allOrFail(List.of(failsAtOnce, slow)))
                .isInstanceOf(KernelApplyException.class).hasMessage("refused");
        assertThat(slowEnded).isTrue();
    }

    @Test
    void anUncheckedExceptionIsRethrownAfterTheOthersEnded() {
        AtomicBoolean otherRan = new AtomicBoolean();

        assertThatThrownBy(() -> ToolCalls.all(List.<ToolCalls.Call<Void>>of(
                () -> {
                    throw new IllegalStateException("bug");
                },
                () -> {
                    otherRan.set(true);
                    return null;
                }))).isInstanceOf(IllegalStateException.class).hasMessage("bug");
        assertThat(otherRan).isTrue();
    }

    @Test
    void noCallsNoOutcomes() {
        assertThat(ToolCalls.all(List.<ToolCalls.Call<Void>>of())).isEmpty();
    }
}
