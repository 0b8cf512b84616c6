package io.sgagent.cloudstack;

import io.sgagent.api.common.ProblemType;
import org.springframework.http.ProblemDetail;

/** The expected outcomes of one CloudStack call, as values; the controller maps each to one HTTP answer. */
sealed interface CloudStackResult {

    /**
     * The call did what CloudStack asked (or found it already done). {@code exitCode} is the script's exit code:
     * 0, or for {@code verify_network_rules} 2-5 naming the missing part. {@code agentSeq} is the seq of the VM in
     * the agent afterwards, null when the VM is not (or no longer) programmed.
     */
    record Done(String outcome, String message, int exitCode, Long agentSeq) implements CloudStackResult {
        Done(String outcome, String message, Long agentSeq) {
            this(outcome, message, 0, agentSeq);
        }
    }

    /**
     * The call was not carried out; the previous rules of the VM, if any, stay in force. {@code problem} is the
     * answer, of one of the shared {@link ProblemType}s (404 unknown VM or NIC, 409 conflict or limit, 503 kernel
     * refused, 500 view not stored).
     */
    record Refused(ProblemDetail problem) implements CloudStackResult {
        static Refused of(ProblemType type, String message) {
            return new Refused(type.detail(message));
        }

        String message() {
            return problem.getDetail();
        }

        boolean is(ProblemType type) {
            return type.uri().equals(problem.getType());
        }
    }
}
