package io.sgagent.compiler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.ruleset.Action;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConnMarksTest {
    @Test
    void theDefaultSplitsBits0To13IntoTwoSevenBitFields() {
        ConnMarks marks = ConnMarks.DEFAULT;
        assertThat(marks.ingressField()).isEqualTo(0x7fL);
        assertThat(marks.egressField()).isEqualTo(0x3f80L);
        // kube-proxy's 0x4000/0x8000 and Calico's 0xffff0000 stay untouched.
        assertThat(marks.mask() & 0xffffc000L).isZero();
    }

    @Test
    void fieldsFollowTheMaskPosition() {
        ConnMarks marks = ConnMarks.parse("0x00ff0000");
        assertThat(marks.ingressField()).isEqualTo(0x000f0000L);
        assertThat(marks.egressField()).isEqualTo(0x00f00000L);
        assertThat(marks.ingressValue("web") & ~marks.ingressField()).isZero();
        assertThat(marks.egressValue("web") >> 20).isEqualTo(marks.slot("web"));
    }

    @Test
    void slotsAreStableNonZeroAndInRange() {
        ConnMarks marks = ConnMarks.DEFAULT;
        assertThat(marks.slot("web")).isEqualTo(ConnMarks.parse("16383").slot("web"));
        IntStream.range(0, 5000).mapToObj(i -> "vm-" + i).forEach(name ->
                assertThat(marks.slot(name)).isBetween(1L, 127L));
        assertThat(IntStream.range(0, 5000).mapToObj(i -> "vm-" + i).map(marks::slot).distinct().count())
                .as("every slot gets used").isEqualTo(127);
    }

    @Test
    void rejectsMasksThatCannotHoldTwoEqualFields() {
        for (String bad : new String[] {"0", "0x7", "0x5", "0xf0f0", "0x1ffffffff", "-1", "mark"}) {
            assertThatThrownBy(() -> ConnMarks.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sgagent.conntrack.mark-mask");
        }
        assertThat(ConnMarks.parse("0xffffffff").egressField()).isEqualTo(0xffff0000L);
    }

    @Test
    void theActionRendersAsIptablesSavePrintsIt() {
        // iptables-save 1.8.9 output for `-j CONNMARK --set-xmark 0x280/0x3f80` (checked in a namespace).
        assertThat(new Action.ConnMark(0x280, 0x3f80).render()).isEqualTo("-j CONNMARK --set-xmark 0x280/0x3f80");
    }
}
