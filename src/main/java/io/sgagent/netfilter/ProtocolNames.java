package io.sgagent.netfilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iptables-save prints a protocol by its {@code /etc/protocols} name when the host has one ({@code -p gre}) and
 * by number otherwise; the agent writes numbers. To compare rule text, both sides are normalised to numbers.
 *
 * <p>Thread-safe: the table is built once and never changed.
 */
final class ProtocolNames {
    private static final Pattern PROTOCOL = Pattern.compile("(^| )(!? ?-p) (\\S+)");
    private static final Map<String, String> NUMBERS = load();

    private ProtocolNames() {
    }

    static String normalise(String rule) {
        Matcher matcher = PROTOCOL.matcher(rule);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String number = NUMBERS.getOrDefault(matcher.group(3), matcher.group(3));
            matcher.appendReplacement(out, Matcher.quoteReplacement(matcher.group(1) + matcher.group(2) + " " + number));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static Map<String, String> load() {
        Map<String, String> numbers = new HashMap<>();
        numbers.put("tcp", "6");
        numbers.put("udp", "17");
        numbers.put("icmp", "1");
        numbers.put("ipv6-icmp", "58");
        try {
            for (String line : Files.readAllLines(Path.of("/etc/protocols"), StandardCharsets.UTF_8)) {
                String[] fields = line.replaceAll("#.*", "").strip().split("\\s+");
                if (fields.length >= 2 && fields[1].matches("\\d+")) {
                    for (int i = 0; i < fields.length; i++) {
                        if (i != 1) {
                            numbers.putIfAbsent(fields[i], fields[1]);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // no /etc/protocols: iptables-save prints numbers too
        }
        return Map.copyOf(numbers);
    }
}
