package io.sgagent.cloudstack;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;

/** The answer to one script call; the client exits with {@code exitCode} and prints {@code message}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "CloudStackAnswer", description = "Result of one security_group.py call")
record CloudStackAnswer(
        @Schema(example = "add_network_rules") String command,
        @Schema(example = "i-2-7-VM") String vmName,
        @Schema(description = "applied, unchanged, duplicate, removed, absent, accepted, verified, missing-...",
                example = "applied") String outcome,
        @Schema(description = "the script's exit code", example = "0") int exitCode,
        @Schema(example = "programmed: rules seq 3 of i-2-7-VM") String message,
        @Schema(description = "seq of the VM in sg-agent afterwards; absent when it is not programmed", example = "5")
        Long agentSeq) {
}
