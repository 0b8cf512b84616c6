package io.sgagent.netfilter;

import io.sgagent.ruleset.ConntrackEntry;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads conntrack pressure of the managed namespace: the entry count (per namespace), the limit
 * ({@code nf_conntrack_max}, host-wide) and the kernel's per-CPU statistics summed over CPUs.
 *
 * <p>Thread-safe: stateless; each call runs read-only tools.
 */
public class ConntrackClient {
    private static final Logger log = LoggerFactory.getLogger(ConntrackClient.class);
    /** Statistics exported as counters; the others are always 0 on current kernels or not pressure signals. */
    public static final List<String> STATS = List.of("insert_failed", "drop", "early_drop", "invalid",
            "search_restart", "clash_resolve", "chaintoolong");

    private final CommandRunner runner;

    public ConntrackClient(CommandRunner runner) {
        this.runner = runner;
    }

    public record Figures(long entries, long limit, Map<String, Long> stats) {
    }

    /**
     * Entries of both families whose conntrack mark has {@code value} in the bits of {@code mask}. The kernel
     * applies the filter while it walks the table (CTA_MARK/CTA_MARK_MASK on the dump), so only matching entries
     * cross to user space: about 40 ms at 200,000 entries where a listing filtered by address takes about 350 ms
     * (docs/ruleset.md, "Connection marks"). Without {@code -f} the tool dumps IPv4 and IPv6 in one call.
     */
    public List<ConntrackEntry> entriesMarked(long value, long mask) {
        String filter = markFilter(value, mask);
        List<ConntrackEntry> entries = new ArrayList<>();
        // streamed: only the parsed entries are kept, never the listing's text as a whole
        runner.runStreamed(List.of("conntrack", "-L", "-m", filter), stdout -> {
            for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                ConntrackEntry entry = ConntrackEntry.parse(line);
                if (entry != null) {
                    entries.add(entry);
                }
            }
        });
        return entries;
    }

    /** A conntrack mark filter: entries whose mark has {@code value} in the bits of {@code mask}. */
    public record Mark(long value, long mask) {
    }

    /** An entry of a whole-table listing with its connmark. */
    public record MarkedEntry(ConntrackEntry entry, long mark) {
    }

    /**
     * Every entry of both families whose connmark has a bit of {@code mask} set, with its mark: one listing of the
     * whole table, streamed and filtered here. For judging the flows of many VMs at once, where one listing per VM
     * and mark field (each kernel-filtered) would add up: a sync narrowing 1000 VMs ran 2000 listings, 37 s.
     */
    public List<MarkedEntry> entriesWithMarkIn(long mask) {
        List<MarkedEntry> entries = new ArrayList<>();
        runner.runStreamed(List.of("conntrack", "-L"), stdout -> {
            for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                String mark = firstValue(line, " mark=");
                long value = mark == null ? 0 : parseMark(mark);
                if ((value & mask) != 0) {
                    ConntrackEntry entry = ConntrackEntry.parse(line);
                    if (entry != null) {
                        entries.add(new MarkedEntry(entry, value));
                    }
                }
            }
        });
        return entries;
    }

    private static long parseMark(String text) {
        try {
            return Long.decode(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Deletes exactly these flows, each by its original tuple and the mark filter it was listed under, all in one
     * process (see {@link #deleteBatch}). The tool finds what it deletes by dumping the table: with the mark the
     * kernel filters that dump (about 40 ms per delete at 200,000 entries), without it every delete copies the
     * whole table to user space (about 400 ms): cutting 200 flows took 80 s, now 7-10 s
     * (bench/conntrack-listing.sh).
     */
    public void deleteMarked(Map<Mark, ? extends Collection<ConntrackEntry>> entries) {
        List<List<String>> deletes = new ArrayList<>();
        entries.forEach((mark, marked) -> {
            for (ConntrackEntry entry : marked) {
                List<String> argv = new ArrayList<>(deleteArgs(entry));
                argv.addAll(List.of("-m", markFilter(mark.value(), mark.mask())));
                deletes.add(argv);
            }
        });
        deleteBatch(deletes);
    }

    private static String markFilter(long value, long mask) {
        return "0x" + Long.toHexString(value) + "/0x" + Long.toHexString(mask);
    }

    /**
     * Deletes every entry to or from each address (B6/B7): a VM deleted, or an address it no longer has. Each
     * address and direction is one {@code conntrack -D -s/-d}, which walks the whole table in user space (about
     * 0.5 s at 200,000 entries), and all go in one batch. For a few addresses that is all. For more (a deleted VM;
     * a full sync that removes 1000 VMs: 6000 such walks, 14 s at an empty table) the table is listed once
     * first, both families, streamed, and only the addresses and directions that have entries are deleted.
     * Filtering the listing here on the original source and destination finds what {@code -s/-d} would match;
     * the deletes stay the tool's own, by address, so an entry created after the listing is caught as before.
     */
    public void flush(Collection<String> addresses) {
        if (addresses.size() <= DIRECT_FLUSH_ADDRESSES) {
            deleteBatch(addressDeletes(addresses, List.of("-s", "-d")));
            return;
        }
        Set<String> wanted = new HashSet<>(addresses);
        Set<String> asSource = new HashSet<>();
        Set<String> asDestination = new HashSet<>();
        ProcessResult listing = runner.runStreamed(List.of("conntrack", "-L"), stdout -> {
            for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                String source = firstValue(line, " src=");
                if (source != null && wanted.contains(source)) {
                    asSource.add(source);
                }
                String destination = firstValue(line, " dst=");
                if (destination != null && wanted.contains(destination)) {
                    asDestination.add(destination);
                }
            }
        });
        List<List<String>> deletes = new ArrayList<>();
        for (String address : addresses) {
            // The tool prints an IPv6 address with leading zero groups in mixed notation ("::1.2.3.4"), which does
            // not compare equal as text; such rare addresses, and all of them if the listing failed, go as before.
            boolean unsure = !listing.ok() || address.startsWith("::");
            if (unsure || asSource.contains(address)) {
                deletes.addAll(addressDeletes(List.of(address), List.of("-s")));
            }
            if (unsure || asDestination.contains(address)) {
                deletes.addAll(addressDeletes(List.of(address), List.of("-d")));
            }
        }
        if (!listing.ok()) {
            log.debug("cannot list the conntrack table ({}); deleting every address", listing.describe());
        }
        deleteBatch(deletes);
    }

    /**
     * Up to this many addresses (an address or two a VM gave up) a flush deletes without listing: four walks at
     * most, about what one listing and the deletes it leaves cost. A deleted VM has at least three (IPv4, IPv6 and
     * the link-local address of its MAC) and is listed first.
     */
    static final int DIRECT_FLUSH_ADDRESSES = 2;

    /** The deletes by address, one per address and direction ({@code -s}, {@code -d}). */
    static List<List<String>> addressDeletes(Collection<String> addresses, List<String> directions) {
        List<List<String>> deletes = new ArrayList<>();
        for (String address : addresses) {
            for (String flag : directions) {
                deletes.add(List.of("-D", "-f", familyOf(address), flag, address));
            }
        }
        return deletes;
    }

    /**
     * The value of the first {@code key} (e.g. " src=") of a listing line: the original direction's, as the tool
     * lists it before the reply's. Read without splitting the line, since a full table is 200,000 lines; null when
     * the line has no such field.
     */
    static String firstValue(String line, String key) {
        int at = line.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length();
        int end = line.indexOf(' ', start);
        return line.substring(start, end < 0 ? line.length() : end);
    }

    /** The arguments that delete exactly one flow, by its original tuple. */
    static List<String> deleteArgs(ConntrackEntry entry) {
        List<String> argv = new ArrayList<>(List.of("-D", "-f", familyOf(entry.source()),
                "-s", entry.source(), "-d", entry.destination()));
        switch (entry.protocol()) {
            case 6, 17 -> {
                argv.addAll(List.of("-p", entry.protocol() == 6 ? "tcp" : "udp"));
                if (entry.sourcePort() >= 0) {
                    argv.addAll(List.of("--sport", Integer.toString(entry.sourcePort())));
                }
                if (entry.destinationPort() >= 0) {
                    argv.addAll(List.of("--dport", Integer.toString(entry.destinationPort())));
                }
            }
            case 1, 58 -> {
                String prefix = entry.protocol() == 1 ? "--icmp" : "--icmpv6";
                argv.addAll(List.of("-p", entry.protocol() == 1 ? "icmp" : "icmpv6"));
                if (entry.icmpType() >= 0) {
                    argv.addAll(List.of(prefix + "-type", Integer.toString(entry.icmpType())));
                }
                if (entry.icmpCode() >= 0) {
                    argv.addAll(List.of(prefix + "-code", Integer.toString(entry.icmpCode())));
                }
                if (entry.icmpId() >= 0) {
                    argv.addAll(List.of(prefix + "-id", Integer.toString(entry.icmpId())));
                }
            }
            default -> argv.addAll(List.of("-p", Integer.toString(entry.protocol())));
        }
        return argv;
    }

    /**
     * Runs several deletes in one process: {@code conntrack -R} reads one command per line from its input
     * (conntrack-tools 1.4.6 and later), so deleting the flows of 1000 VMs costs one process instead of 6000. Each
     * line is an argument list we built from addresses, numbers and fixed flags; nothing a client sent reaches it
     * as anything but a parsed address. A delete that finds nothing is not an error there either. If the tool is
     * older and refuses {@code -R}, or the batch fails as a whole, each delete runs as its own process.
     */
    void deleteBatch(List<List<String>> deletes) {
        if (deletes.isEmpty()) {
            return;
        }
        if (deletes.size() > 1) {
            StringBuilder script = new StringBuilder();
            for (List<String> delete : deletes) {
                script.append(String.join(" ", delete)).append('\n');
            }
            ProcessResult batch = runner.run(List.of("conntrack", "-R", "/dev/stdin"), script.toString());
            if (batch.ok()) {
                return;
            }
            log.debug("conntrack -R refused a batch of {} deletes ({}); deleting one by one", deletes.size(),
                    batch.describe());
        }
        for (List<String> delete : deletes) {
            List<String> argv = new ArrayList<>(delete.size() + 1);
            argv.add("conntrack");
            argv.addAll(delete);
            deleteTolerant(argv);
        }
    }

    /** "Nothing to delete" (exit 1, "0 flow entries") is not an error. */
    private void deleteTolerant(List<String> argv) {
        ProcessResult result = runner.run(argv, null);
        if (!result.ok() && !result.stderr().contains("0 flow entries")) {
            log.warn("conntrack delete failed: {}", result.describe());
        }
    }

    private static String familyOf(String address) {
        return address.contains(":") ? "ipv6" : "ipv4";
    }

    public Figures read() {
        long entries = parseLong(runner.run(List.of("conntrack", "-C"), null).stdout().strip());
        long limit = readLimit();
        Map<String, Long> stats = sumStats(runner.run(List.of("conntrack", "-S"), null).stdout());
        return new Figures(entries, limit, stats);
    }

    /**
     * Sums {@code conntrack -S} lines ("cpu=0 found=0 invalid=3 ... chaintoolong=0") over CPUs. Only the
     * per-CPU counters are summed; the tool prints no global "entries" column here, so nothing is counted twice.
     */
    static Map<String, Long> sumStats(String output) {
        Map<String, Long> sums = new TreeMap<>();
        for (String stat : STATS) {
            sums.put(stat, 0L);
        }
        for (String line : output.split("\n")) {
            for (String field : line.strip().split("\\s+")) {
                int eq = field.indexOf('=');
                if (eq > 0) {
                    String key = field.substring(0, eq);
                    if (sums.containsKey(key)) {
                        sums.merge(key, parseLong(field.substring(eq + 1)), Long::sum);
                    }
                }
            }
        }
        return sums;
    }

    /**
     * nf_conntrack_max is host-wide, so the agent's own view is the managed namespace's view too. Read with a
     * plain stream: {@code Files.readString} sizes its read from the file's reported size and returned "2"
     * for "262144" from procfs on kernel 6.18.
     */
    private static long readLimit() {
        try (InputStream in = new FileInputStream("/proc/sys/net/netfilter/nf_conntrack_max")) {
            return parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            return -1;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
