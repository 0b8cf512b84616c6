package io.sgagent.compiler;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.sgagent.ruleset.Action;
import io.sgagent.ruleset.Chain;
import io.sgagent.ruleset.Match;
import io.sgagent.ruleset.Rule;
import io.sgagent.ruleset.TableRules;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Walks one packet through compiled filter chains the way the kernel evaluates them (jump returns, goto does
 * not, RETURN and the end of a chain go back to the caller), evaluating the typed matches. A tracer in the spirit
 * of kube-proxy's: tests ask "is this packet accepted?" instead of comparing rule text.
 *
 * <p>The packet is a new one: it belongs to no connection, so {@code RELATED,ESTABLISHED} never matches.
 */
final class PacketWalk {
    /** A forwarded (bridged) packet; ports/ICMP fields -1 when absent. */
    record Packet(String source, String destination, int protocol, int sport, int dport, int icmpType,
                  int icmpCode, int hopLimit, String physdevIn, String physdevOut) {
    }

    private final Map<String, Chain> chains;

    PacketWalk(TableRules filter) {
        this.chains = filter.chains().stream().collect(Collectors.toMap(Chain::name, Function.identity()));
    }

    /**
     * True if the packet is accepted, starting at {@code sga-FORWARD}. Falling off our chain means it is not
     * ours to judge (B8): the built-in chain's policy applies, taken here as ACCEPT.
     */
    boolean accepts(Packet packet) {
        String verdict = walk(ChainNames.FORWARD, packet, 0);
        return verdict == null || verdict.equals("ACCEPT");
    }

    /** The verdict of the chain, or null if the packet returns from it. */
    private String walk(String name, Packet packet, int depth) {
        if (depth > 20) {
            throw new IllegalStateException("loop at " + name);
        }
        Chain chain = chains.get(name);
        if (chain == null) {
            throw new IllegalStateException("no chain " + name);
        }
        for (Rule rule : chain.rules()) {
            if (!rule.matches().stream().allMatch(m -> matches(m, packet))) {
                continue;
            }
            Action action = rule.action();
            if (action instanceof Action.Verdict verdict) {
                if (verdict.target().equals("RETURN")) {
                    return null;
                }
                return verdict.target();
            }
            if (action instanceof Action.ConnMark) {
                continue; // writes the flow's mark and goes on, like the kernel's CONNMARK target
            }
            if (action instanceof Action.Goto go) {
                return walk(go.chain(), packet, depth + 1);
            }
            String inner = walk(((Action.Jump) action).chain(), packet, depth + 1);
            if (inner != null) {
                return inner;
            }
        }
        return null;
    }

    static boolean matches(Match match, Packet p) {
        if (match instanceof Match.Source m) {
            return contains(m.cidr(), p.source());
        }
        if (match instanceof Match.Destination m) {
            return contains(m.cidr(), p.destination());
        }
        if (match instanceof Match.Protocol m) {
            return protocolNumber(m.name()) == p.protocol();
        }
        if (match instanceof Match.Ports m) {
            return protocolNumber(m.protocol()) == p.protocol()
                    && (m.sport() == null || m.sport().contains(p.sport()))
                    && (m.dport() == null || m.dport().contains(p.dport()));
        }
        if (match instanceof Match.IcmpType m) {
            return p.protocol() == (m.v6() ? 58 : 1) && m.type() == p.icmpType()
                    && (m.code() == null || m.code() == p.icmpCode());
        }
        if (match instanceof Match.Physdev m) {
            String device = m.in() ? p.physdevIn() : p.physdevOut();
            return m.device().endsWith("+") ? device.startsWith(m.device().substring(0, m.device().length() - 1))
                    : device.equals(m.device());
        }
        if (match instanceof Match.Established) {
            return false;
        }
        if (match instanceof Match.HopLimit m) {
            return p.hopLimit() == m.equals();
        }
        throw new UnsupportedOperationException("not a filter-table match: " + match);
    }

    private static boolean contains(String cidr, String address) {
        IPAddress network = new IPAddressString(cidr).getAddress();
        IPAddress host = new IPAddressString(address).getAddress();
        return network.getIPVersion() == host.getIPVersion() && network.contains(host);
    }

    static int protocolNumber(String name) {
        return switch (name) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "ipv6-icmp" -> 58;
            default -> Integer.parseInt(name);
        };
    }
}
