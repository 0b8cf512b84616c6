package io.sgagent.testbed;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds raw Ethernet frames byte by byte, for adversarial tests that must send what no socket API lets a normal
 * program send: a foreign source MAC or IP, ARP that lies, DHCP and DHCPv6 server replies, router
 * advertisements, neighbour advertisements for someone else's address. Checksums are correct, so a receiving
 * kernel processes the frame exactly as if a real (malicious) guest had sent it. Send them with {@link RawLink}.
 *
 * <p>Every builder takes a {@code token}: eight random bytes ({@link #token()}) placed in the payload (UDP data,
 * ICMPv6 echo data or an unknown ICMPv6 option, Ethernet padding for ARP), by which a receiver-side capture
 * recognises exactly this frame.
 */
public final class Frames {
    public static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_ARP = 0x0806;
    private static final int ETH_IPV6 = 0x86dd;

    private Frames() {
    }

    /** Eight random bytes that identify one frame. */
    public static byte[] token() {
        byte[] token = new byte[8];
        RANDOM.nextBytes(token);
        token[0] = (byte) 0xa5;  // never all zero, never looks like padding
        return token;
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    // ------------------------------------------------------------------ layer 2

    public static byte[] ethernet(String dstMac, String srcMac, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        b.put(mac(dstMac)).put(mac(srcMac)).putShort((short) etherType).put(payload);
        return b.array();
    }

    /**
     * An ARP packet ({@code op} 1 request, 2 reply) in an Ethernet frame from {@code ethSrc}; the token follows
     * the 28 ARP bytes as Ethernet padding (every receiver ignores padding).
     */
    public static byte[] arp(String ethDst, String ethSrc, int op, String senderMac, String senderIp,
                             String targetMac, String targetIp, byte[] token) {
        ByteBuffer b = ByteBuffer.allocate(28 + token.length);
        b.putShort((short) 1).putShort((short) ETH_IPV4).put((byte) 6).put((byte) 4).putShort((short) op)
                .put(mac(senderMac)).put(ip(senderIp)).put(mac(targetMac)).put(ip(targetIp)).put(token);
        return ethernet(ethDst, ethSrc, ETH_ARP, b.array());
    }

    // ------------------------------------------------------------------ IPv4

    public static byte[] udp4(String ethDst, String ethSrc, String src, String dst, int sport, int dport,
                              byte[] token) {
        byte[] udp = udp(sport, dport, token, pseudo4(src, dst, 17, 8 + token.length));
        return ethernet(ethDst, ethSrc, ETH_IPV4, ipv4(src, dst, 17, 64, udp));
    }

    static byte[] ipv4(String src, String dst, int protocol, int ttl, byte[] payload) {
        ByteBuffer h = ByteBuffer.allocate(20);
        h.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) RANDOM.nextInt(65536))
                .putShort((short) 0x4000).put((byte) ttl).put((byte) protocol).putShort((short) 0)
                .put(ip(src)).put(ip(dst));
        byte[] header = h.array();
        int sum = checksum(header);
        header[10] = (byte) (sum >> 8);
        header[11] = (byte) sum;
        return concat(header, payload);
    }

    private static byte[] pseudo4(String src, String dst, int protocol, int length) {
        return ByteBuffer.allocate(12).put(ip(src)).put(ip(dst)).put((byte) 0).put((byte) protocol)
                .putShort((short) length).array();
    }

    // ------------------------------------------------------------------ IPv6

    public static byte[] udp6(String ethDst, String ethSrc, String src, String dst, int sport, int dport,
                              byte[] token) {
        byte[] udp = udp(sport, dport, token, pseudo6(src, dst, 17, 8 + token.length));
        return ethernet(ethDst, ethSrc, ETH_IPV6, ipv6(src, dst, 17, 64, udp));
    }

    /** ICMPv6 echo request (128) carrying the token as data. */
    public static byte[] echo6(String ethDst, String ethSrc, String src, String dst, int hopLimit, byte[] token) {
        return icmp6(ethDst, ethSrc, src, dst, hopLimit, 128, 0, echoBody(token));
    }

    /** Router advertisement (134): hop limit 64, router lifetime 1800 s, the sender's link-layer address. */
    public static byte[] routerAdvertisement(String ethDst, String ethSrc, String src, String dst, byte[] token) {
        return icmp6(ethDst, ethSrc, src, dst, 255, 134, 0, routerAdvertisementBody(ethSrc, token));
    }

    /** Redirect (137): "use {@code target} to reach {@code destination}". */
    public static byte[] redirect(String ethDst, String ethSrc, String src, String dst, String target,
                                  String destination, byte[] token) {
        ByteBuffer body = ByteBuffer.allocate(4 + 16 + 16 + 16);
        body.putInt(0).put(ip(target)).put(ip(destination)).put(tokenOption(token));
        return icmp6(ethDst, ethSrc, src, dst, 255, 137, 0, body.array());
    }

    /**
     * Neighbour solicitation (135) for {@code target}; from {@code ::} (duplicate address detection) it carries no
     * link-layer option, as RFC 4861 requires.
     */
    public static byte[] neighbourSolicitation(String ethDst, String ethSrc, String src, String dst, String target,
                                               byte[] token) {
        boolean dad = ip(src).length == 16 && isUnspecified(src);
        ByteBuffer body = ByteBuffer.allocate(4 + 16 + (dad ? 0 : 8) + 16);
        body.putInt(0).put(ip(target));
        if (!dad) {
            body.put((byte) 1).put((byte) 1).put(mac(ethSrc));
        }
        body.put(tokenOption(token));
        return icmp6(ethDst, ethSrc, src, dst, 255, 135, 0, body.array());
    }

    /**
     * Neighbour advertisement (136) claiming that {@code target} lives at {@code linkAddress}; flags: override
     * (and solicited if {@code solicited}).
     */
    public static byte[] neighbourAdvertisement(String ethDst, String ethSrc, String src, String dst, String target,
                                                String linkAddress, boolean solicited, byte[] token) {
        ByteBuffer body = ByteBuffer.allocate(4 + 16 + 8 + 16);
        body.putInt((solicited ? 0x40000000 : 0) | 0x20000000).put(ip(target));
        body.put((byte) 2).put((byte) 1).put(mac(linkAddress));
        body.put(tokenOption(token));
        return icmp6(ethDst, ethSrc, src, dst, 255, 136, 0, body.array());
    }

    /** The body (after type, code, checksum) of an ICMPv6 echo request carrying the token. */
    public static byte[] echoBody(byte[] token) {
        return ByteBuffer.allocate(4 + token.length).putShort((short) 0x5a5a).putShort((short) 1).put(token).array();
    }

    /** The body of a router advertisement from {@code ethSrc}, with the token in an unknown option. */
    public static byte[] routerAdvertisementBody(String ethSrc, byte[] token) {
        ByteBuffer body = ByteBuffer.allocate(12 + 8 + 16);
        body.put((byte) 64).put((byte) 0).putShort((short) 1800).putInt(0).putInt(0);
        body.put((byte) 1).put((byte) 1).put(mac(ethSrc));
        body.put(tokenOption(token));
        return body.array();
    }

    /**
     * An ICMPv6 message behind one IPv6 extension header ({@code 0} hop-by-hop or {@code 60} destination options,
     * 8 bytes of padding): the RA-guard evasion of RFC 7113, where a filter that only looks at the first next-header
     * field misses the ICMPv6 type.
     */
    public static byte[] icmp6BehindExtensionHeader(int extensionHeader, String ethDst, String ethSrc, String src,
                                                    String dst, int hopLimit, int type, byte[] body) {
        byte[] icmp = icmp6Message(src, dst, type, 0, body);
        byte[] extension = {58, 0, 1, 4, 0, 0, 0, 0};
        return ethernet(ethDst, ethSrc, ETH_IPV6, ipv6(src, dst, extensionHeader, hopLimit, concat(extension, icmp)));
    }

    /**
     * An ICMPv6 message behind a destination-options header, cut into two IPv6 fragments: the first carries the
     * extension header and the first 8 bytes of the ICMPv6 message (type, code, checksum, 4 more), the second the
     * rest (where the token is). A filter that does not reassemble sees the type only in the first fragment and
     * nothing in the second.
     */
    public static List<byte[]> fragmentedIcmp6(String ethDst, String ethSrc, String src, String dst, int hopLimit,
                                               int type, byte[] body) {
        byte[] icmp = icmp6Message(src, dst, type, 0, body);
        byte[] fragmentable = concat(new byte[] {58, 0, 1, 4, 0, 0, 0, 0}, icmp);
        int split = 16;
        int id = RANDOM.nextInt();
        byte[] first = concat(fragmentHeader(60, 0, true, id), java.util.Arrays.copyOfRange(fragmentable, 0, split));
        byte[] second = concat(fragmentHeader(60, split / 8, false, id),
                java.util.Arrays.copyOfRange(fragmentable, split, fragmentable.length));
        return List.of(ethernet(ethDst, ethSrc, ETH_IPV6, ipv6(src, dst, 44, hopLimit, first)),
                ethernet(ethDst, ethSrc, ETH_IPV6, ipv6(src, dst, 44, hopLimit, second)));
    }

    private static byte[] fragmentHeader(int nextHeader, int offsetUnits, boolean more, int id) {
        return ByteBuffer.allocate(8).put((byte) nextHeader).put((byte) 0)
                .putShort((short) ((offsetUnits << 3) | (more ? 1 : 0))).putInt(id).array();
    }

    private static byte[] icmp6Message(String src, String dst, int type, int code, byte[] body) {
        byte[] icmp = concat(new byte[] {(byte) type, (byte) code, 0, 0}, body);
        int sum = checksum(concat(pseudo6(src, dst, 58, icmp.length), icmp));
        icmp[2] = (byte) (sum >> 8);
        icmp[3] = (byte) sum;
        return icmp;
    }

    /** The Ethernet multicast address of an IPv6 multicast group (33:33 + its last 32 bits). */
    public static String multicastMac(String ipv6Group) {
        byte[] a = ip(ipv6Group);
        return String.format("33:33:%02x:%02x:%02x:%02x", a[12], a[13], a[14], a[15]);
    }

    /** The solicited-node multicast group of an IPv6 address (ff02::1:ffXX:XXXX). */
    public static String solicitedNode(String ipv6) {
        byte[] a = ip(ipv6);
        return String.format("ff02::1:ff%02x:%02x%02x", a[13], a[14], a[15]);
    }

    static byte[] icmp6(String ethDst, String ethSrc, String src, String dst, int hopLimit, int type, int code,
                        byte[] body) {
        return ethernet(ethDst, ethSrc, ETH_IPV6, ipv6(src, dst, 58, hopLimit, icmp6Message(src, dst, type, code, body)));
    }

    static byte[] ipv6(String src, String dst, int nextHeader, int hopLimit, byte[] payload) {
        ByteBuffer h = ByteBuffer.allocate(40 + payload.length);
        h.putInt(0x60000000).putShort((short) payload.length).put((byte) nextHeader).put((byte) hopLimit)
                .put(ip(src)).put(ip(dst)).put(payload);
        return h.array();
    }

    private static byte[] pseudo6(String src, String dst, int nextHeader, int length) {
        return ByteBuffer.allocate(40).put(ip(src)).put(ip(dst)).putInt(length).put(new byte[3])
                .put((byte) nextHeader).array();
    }

    /** An ICMPv6 option of an unassigned type (253, RFC 4727 experimental) carrying the token; receivers skip it. */
    private static byte[] tokenOption(byte[] token) {
        return ByteBuffer.allocate(16).put((byte) 253).put((byte) 2).put(token).put(new byte[6]).array();
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] udp(int sport, int dport, byte[] data, byte[] pseudoHeader) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + data.length)).putShort((short) 0)
                .put(data);
        byte[] udp = b.array();
        int sum = checksum(concat(pseudoHeader, udp));
        if (sum == 0) {
            sum = 0xffff;
        }
        udp[6] = (byte) (sum >> 8);
        udp[7] = (byte) sum;
        return udp;
    }

    static int checksum(byte[] data) {
        long sum = 0;
        for (int i = 0; i < data.length; i += 2) {
            int hi = data[i] & 0xff;
            int lo = i + 1 < data.length ? data[i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static byte[] mac(String mac) {
        String[] parts = Addr.requireMac(mac).split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }

    static byte[] ip(String ip) {
        InetAddress address = Addr.parse(ip);
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && bytes.length != 16) {
            throw new IllegalArgumentException("bad IPv6 address " + ip);
        }
        return bytes;
    }

    private static boolean isUnspecified(String ip) {
        for (byte b : ip(ip)) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
