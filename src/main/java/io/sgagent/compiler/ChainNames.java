package io.sgagent.compiler;

import io.sgagent.model.Family;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Every kernel object name the agent uses. All start with {@link #PREFIX}, which is how the agent recognises
 * its own objects (B8), and all fit the kernel's limits: chains 28 characters, sets 31.
 *
 * <p>VM names (up to 64 characters) are used verbatim when they fit; longer names keep their first 13
 * characters for readability and get an 8-hex-digit SHA-256 suffix. A short name that itself looks like such a
 * shortened form is hashed too, so a hashed name can only ever come from hashing.
 */
public final class ChainNames {
    public static final String PREFIX = "sga-";

    /** filter FORWARD jumps here; dispatches by bridge port to the per-VM chains. */
    public static final String FORWARD = PREFIX + "FORWARD";
    /** Dispatches packets leaving the bridge towards a VM port to that VM's ingress chain. */
    public static final String TO_VM = PREFIX + "TO-VM";
    /** Where a packet goes once its sender's egress rules allowed it: the receiver's ingress, else ACCEPT. */
    public static final String EGRESS_OK = PREFIX + "EGRESS-OK";
    /** raw PREROUTING (and the bridge nat PREROUTING) jumps here. */
    public static final String PREROUTING = PREFIX + "PREROUTING";
    /** Decides whether a packet touching an untracked VM may skip conntrack. */
    public static final String NOTRACK = PREFIX + "NOTRACK";

    /** Host-wide: refuses a connection that would take a VM above its conntrack quota (issue 12). */
    public static final String QUOTA_FULL = PREFIX + "QUOTA-FULL";

    private static final int VM_TAG_MAX = 28 - "sga-i-".length();

    private ChainNames() {
    }

    public static String ingress(String vmName) {
        return PREFIX + "i-" + vmTag(vmName);
    }

    public static String egress(String vmName) {
        return PREFIX + "e-" + vmTag(vmName);
    }

    /** The VM's conntrack quota counter (one connlimit rule, per family), called from both of its paths. */
    public static String quota(String vmName) {
        return PREFIX + "q-" + vmTag(vmName);
    }

    /** Ingress allows of a VM with a quota go here: count, then ACCEPT. */
    public static String quotaAccept(String vmName) {
        return PREFIX + "a-" + vmTag(vmName);
    }

    /** Egress passes of a VM with a quota go here: count, then sga-EGRESS-OK. */
    public static String quotaOut(String vmName) {
        return PREFIX + "o-" + vmTag(vmName);
    }

    /** raw-table anti-spoofing chain of one NIC (device names are at most 15 characters). */
    public static String antiSpoof(String device) {
        return PREFIX + "s-" + device;
    }

    /** raw-table check of the target of neighbour advertisements and DAD solicitations of one NIC (IPv6). */
    public static String ndTarget(String device) {
        return PREFIX + "n-" + device;
    }

    /** Bridge (ebtables) MAC/ARP anti-spoofing chain of one NIC. */
    public static String bridgeAntiSpoof(String device) {
        return PREFIX + "b-" + device;
    }

    /** Host-wide set of the addresses of VMs that bypass conntrack in this family (B5). */
    public static String notrackSet(Family family) {
        return PREFIX + "notrack-" + family.label();
    }

    /** Host-wide set of the addresses of VMs that stay tracked in this family (their peers stay tracked too). */
    public static String trackedSet(Family family) {
        return PREFIX + "tracked-" + family.label();
    }

    /** Compiled once: every chain name of every VM goes through {@link #vmTag}. */
    private static final Pattern HASHED_TAG = Pattern.compile(".{13}-[0-9a-f]{8}");

    static String vmTag(String vmName) {
        boolean looksHashed = HASHED_TAG.matcher(vmName).matches();
        if (vmName.length() <= VM_TAG_MAX && !looksHashed) {
            return vmName;
        }
        return vmName.substring(0, Math.min(13, vmName.length())) + "-" + sha256Hex8(vmName);
    }

    private static String sha256Hex8(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
