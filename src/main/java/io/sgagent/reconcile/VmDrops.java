package io.sgagent.reconcile;

/** Packets and bytes a VM's rules dropped, per direction, since its chains were last written. Immutable. */
public record VmDrops(long ingressPackets, long ingressBytes, long egressPackets, long egressBytes) {
}
