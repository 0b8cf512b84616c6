package io.sgagent.testbed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Small address helpers (no DNS, purely textual). */
final class Addr {

    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    private Addr() {
    }

    /** Parses an IP literal (never does DNS); a {@code %scope} suffix is ignored. */
    static InetAddress parse(String ip) {
        String a = bare(ip);
        int pct = a.indexOf('%');
        if (pct >= 0) {
            a = a.substring(0, pct);
        }
        if (!a.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        try {
            return InetAddress.getByName(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }

    static boolean isV6(String ip) {
        return ip.indexOf(':') >= 0;
    }

    static String requireMac(String mac) {
        if (mac == null || !MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("not a MAC address: " + mac);
        }
        return mac.toLowerCase(Locale.ROOT);
    }

    /** Address without a {@code /len} suffix. */
    static String bare(String cidrOrIp) {
        int i = cidrOrIp.indexOf('/');
        return i < 0 ? cidrOrIp : cidrOrIp.substring(0, i);
    }

    /** Address with a prefix length: the given one, or {@code defaultLen}. */
    static String withPrefix(String cidrOrIp, int defaultLen) {
        return cidrOrIp.indexOf('/') >= 0 ? cidrOrIp : cidrOrIp + "/" + defaultLen;
    }

    static String eui64LinkLocal(String mac) {
        String[] b = requireMac(mac).split(":");
        int[] x = new int[8];
        for (int i = 0; i < 6; i++) {
            x[i] = Integer.parseInt(b[i], 16);
        }
        int[] groups = {
            0xfe80, 0, 0, 0,
            ((x[0] ^ 0x02) << 8) | x[1],
            (x[2] << 8) | 0xff,
            (0xfe << 8) | x[3],
            (x[4] << 8) | x[5],
        };
        return compress(groups);
    }

    /** RFC 5952 text form of eight 16-bit groups. */
    static String compress(int[] g) {
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen && j - i >= 2) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
