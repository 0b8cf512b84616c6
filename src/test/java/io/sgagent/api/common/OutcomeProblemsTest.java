package io.sgagent.api.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.reconcile.DeleteOutcome;
import io.sgagent.reconcile.PutOutcome;
import io.sgagent.reconcile.ReplaceOutcome;
import io.sgagent.reconcile.VmStatus;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/**
 * Java 17 has no pattern switch, so exhaustiveness of the outcome mapping is held here: every permitted subtype of
 * each sealed outcome (found by reflection, so a new one is seen) maps to a value or to a problem of a listed type,
 * never to the "unmapped outcome" fallthrough.
 */
class OutcomeProblemsTest {

    @Test
    void everyPutOutcomeIsMapped() throws Exception {
        Set<URI> types = new HashSet<>();
        for (Class<?> type : PutOutcome.class.getPermittedSubclasses()) {
            PutOutcome outcome = (PutOutcome) instance(type);
            try {
                assertThat(OutcomeProblems.statusOrThrow(outcome)).as(type.getSimpleName()).isNull();
            } catch (ErrorResponseException e) {
                types.add(e.getBody().getType());
                assertThat(e.getStatusCode().value()).isEqualTo(e.getBody().getStatus());
            }
        }
        assertThat(types).containsExactlyInAnyOrder(ProblemType.STALE_SEQ.uri(), ProblemType.SEQ_REUSED.uri(),
                ProblemType.HOST_CONFLICT.uri(), ProblemType.APPLY_FAILED.uri());
    }

    @Test
    void everyDeleteAndReplaceOutcomeIsMapped() throws Exception {
        for (Class<?> type : DeleteOutcome.class.getPermittedSubclasses()) {
            DeleteOutcome outcome = (DeleteOutcome) instance(type);
            try {
                OutcomeProblems.deletedOrThrow(outcome, "web-1");
                assertThat(outcome).isInstanceOf(DeleteOutcome.Deleted.class);
            } catch (ErrorResponseException e) {
                assertThat(List.of(ProblemType.VM_NOT_FOUND.uri(), ProblemType.APPLY_FAILED.uri()))
                        .contains(e.getBody().getType());
            }
        }
        for (Class<?> type : ReplaceOutcome.class.getPermittedSubclasses()) {
            ReplaceOutcome outcome = (ReplaceOutcome) instance(type);
            try {
                assertThat(OutcomeProblems.appliedOrThrow(outcome)).isSameAs(outcome);
            } catch (ErrorResponseException e) {
                assertThat(List.of(ProblemType.HOST_STATE_REJECTED.uri(), ProblemType.APPLY_FAILED.uri()))
                        .contains(e.getBody().getType());
            }
        }
    }

    @Test
    void staleSeqCarriesBothSeqs() {
        assertThatThrownBy(() -> OutcomeProblems.statusOrThrow(new PutOutcome.StaleSeq(11, 12)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
                    assertThat(e.getBody().getProperties()).containsEntry("requestedSeq", 11L)
                            .containsEntry("currentSeq", 12L);
                });
    }

    /** A record instance with default-ish component values (null objects, 0, empty lists). */
    private static Object instance(Class<?> type) throws Exception {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Object[] args = Arrays.stream(types).map(t -> t == long.class ? (Object) 1L : t == int.class ? (Object) 1
                : t == boolean.class ? (Object) false : t == List.class ? List.of() : t == String.class ? "x"
                : t == VmStatus.class ? null : null).toArray();
        return type.getDeclaredConstructor(types).newInstance(args);
    }
}
