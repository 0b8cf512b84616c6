package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The agent writes protocol numbers; iptables-save prints /etc/protocols names where the host has them. Drift
 * detection compares both after normalising (DriftRepairIT proves no false repair on a real kernel).
 */
class ProtocolNamesTest {
    @Test
    void namesAndNumbersCompareEqual() {
        if (java.nio.file.Files.exists(java.nio.file.Path.of("/etc/protocols"))) {
            // only hosts with /etc/protocols make iptables-save print "sctp"; elsewhere it prints 132 too
            assertThat(ProtocolNames.normalise("-A sga-i-x -p sctp -j ACCEPT"))
                    .isEqualTo(ProtocolNames.normalise("-A sga-i-x -p 132 -j ACCEPT"));
        }
        assertThat(ProtocolNames.normalise("-A sga-i-x -s 10.0.0.0/8 -p ipv6-icmp -j ACCEPT"))
                .isEqualTo("-A sga-i-x -s 10.0.0.0/8 -p 58 -j ACCEPT");
        assertThat(ProtocolNames.normalise("-A sga-i-x -p tcp -m tcp --dport 22 -j ACCEPT"))
                .isEqualTo("-A sga-i-x -p 6 -m tcp --dport 22 -j ACCEPT");
        assertThat(ProtocolNames.normalise("-A sga-i-x -j DROP")).isEqualTo("-A sga-i-x -j DROP");
    }
}
