package io.sgagent.compiler;

import io.sgagent.model.Vm;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Rule;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-VM connection marks: the first rule of every VM's ingress chain writes the VM's slot into the ingress
 * field of the flow's conntrack mark, the first rule of its egress chain into the egress field. The kernel can
 * filter a conntrack dump by mark ({@code conntrack -L -m value/mask}) without copying the table to user space,
 * so the B6 cleanup lists only the flows of one VM instead of walking the whole table per address.
 *
 * <p>The two fields split {@link #mask()} (contiguous bits, even count) in halves: the lower half is the ingress
 * field, the upper half the egress field; bits outside the mask are never written ({@code --set-xmark}), so other
 * software's connmark bits stay. A VM-to-VM flow on one host passes the sender's egress chain and the receiver's
 * ingress chain, and its replies the other two, so each of the two VMs is always in one field or the other.
 *
 * <p>The slot is a stable function of the VM name ({@code 1 + sha256(name) mod (2^width - 1)}; 0 means "never
 * marked"): no allocation to persist or recover. Two VMs may share a slot; the cleanup still judges every
 * listed entry against the VM's addresses, so a collision only lists a few more entries.
 */
public record ConnMarks(long mask) {
    /**
     * Bits 0-13: kube-proxy uses 0x4000/0x8000 and Calico 0xffff0000 by default (packet marks, which a
     * {@code CONNMARK --save-mark/--restore-mark} elsewhere could copy to and from the connmark); this range
     * avoids both and leaves two 7-bit fields (127 slots each).
     */
    public static final long DEFAULT_MASK = 0x3fffL;
    public static final ConnMarks DEFAULT = new ConnMarks(DEFAULT_MASK);

    public ConnMarks {
        int bits = Long.bitCount(mask);
        long lowest = Long.lowestOneBit(mask);
        boolean contiguous = mask != 0 && ((mask + lowest) & mask) == 0;
        if (mask <= 0 || mask > 0xffffffffL || !contiguous || bits % 2 != 0) {
            throw new IllegalArgumentException("sgagent.conntrack.mark-mask must be one run of an even number of "
                    + "bits within 32 bits (two equal fields), got 0x" + Long.toHexString(mask));
        }
    }

    /** Parses {@code 0x3fff} or a decimal number. */
    public static ConnMarks parse(String text) {
        String trimmed = text.strip().toLowerCase();
        try {
            long mask = trimmed.startsWith("0x") ? Long.parseLong(trimmed.substring(2), 16) : Long.parseLong(trimmed);
            return new ConnMarks(mask);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sgagent.conntrack.mark-mask is not a number: " + text, e);
        }
    }

    private int shift() {
        return Long.numberOfTrailingZeros(mask);
    }

    private int width() {
        return Long.bitCount(mask) / 2;
    }

    /** The bits holding the slot of the VM whose ingress chain saw the flow. */
    public long ingressField() {
        return ((1L << width()) - 1) << shift();
    }

    /** The bits holding the slot of the VM whose egress chain saw the flow. */
    public long egressField() {
        return ((1L << width()) - 1) << (shift() + width());
    }

    /** 1 .. 2^width - 1, a function of the name only. */
    public long slot(String vmName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(vmName.getBytes(StandardCharsets.UTF_8));
            long hash = Integer.toUnsignedLong(ByteBuffer.wrap(digest).getInt());
            return 1 + hash % ((1L << width()) - 1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    public long ingressValue(String vmName) {
        return slot(vmName) << shift();
    }

    public long egressValue(String vmName) {
        return slot(vmName) << (shift() + width());
    }

    /** A conntrack mark filter: entries whose mark has {@code value} in the bits of {@code mask}. */
    public record Filter(long value, long mask) {
        /** As {@code conntrack -m} takes it. */
        public String argument() {
            return "0x" + Long.toHexString(value) + "/0x" + Long.toHexString(mask);
        }
    }

    /** The filters under which the kernel lists a VM's flows: its slot in the ingress field, in the egress field. */
    public List<Filter> filtersOf(String vmName) {
        return List.of(new Filter(ingressValue(vmName), ingressField()),
                new Filter(egressValue(vmName), egressField()));
    }

    /** The VM's ingress chain with the marking rule first, so every packet the chain sees marks its flow. */
    Chain ingress(Vm vm, Chain chain) {
        return first(new Rule(List.of(), new Action.ConnMark(ingressValue(vm.name()), ingressField()),
                vm.name() + " ingress-mark"), chain);
    }

    Chain egress(Vm vm, Chain chain) {
        return first(new Rule(List.of(), new Action.ConnMark(egressValue(vm.name()), egressField()),
                vm.name() + " egress-mark"), chain);
    }

    private static Chain first(Rule mark, Chain chain) {
        List<Rule> rules = new ArrayList<>();
        rules.add(mark);
        rules.addAll(chain.rules());
        return new Chain(chain.name(), rules);
    }
}
