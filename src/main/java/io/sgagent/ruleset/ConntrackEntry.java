package io.sgagent.ruleset;

/**
 * One conntrack entry's original-direction tuple, as {@code conntrack -L} lists it. Ports are -1 when the
 * protocol has none; ICMP type/code/id are -1 when not ICMP.
 */
public record ConntrackEntry(int protocol, String source, String destination, int sourcePort, int destinationPort,
                             int icmpType, int icmpCode, int icmpId) {
    public boolean ipv6() {
        return source.contains(":");
    }

    /** Parses one line of {@code conntrack -L} output; null if it is not an entry line. */
    public static ConntrackEntry parse(String line) {
        String[] tokens = line.strip().split("\\s+");
        if (tokens.length < 4) {
            return null;
        }
        int protocol;
        try {
            protocol = Integer.parseInt(tokens[1]);
        } catch (NumberFormatException e) {
            return null;
        }
        String src = null;
        String dst = null;
        int sport = -1;
        int dport = -1;
        int type = -1;
        int code = -1;
        int id = -1;
        for (String token : tokens) {
            int eq = token.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = token.substring(0, eq);
            String value = token.substring(eq + 1);
            // Only the first occurrence of each key belongs to the original direction.
            switch (key) {
                case "src" -> src = src == null ? value : src;
                case "dst" -> dst = dst == null ? value : dst;
                case "sport" -> sport = sport < 0 ? toInt(value) : sport;
                case "dport" -> dport = dport < 0 ? toInt(value) : dport;
                case "type" -> type = type < 0 ? toInt(value) : type;
                case "code" -> code = code < 0 ? toInt(value) : code;
                case "id" -> id = id < 0 ? toInt(value) : id;
                default -> { }
            }
        }
        if (src == null || dst == null) {
            return null;
        }
        return new ConntrackEntry(protocol, src, dst, sport, dport, type, code, id);
    }

    private static int toInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
