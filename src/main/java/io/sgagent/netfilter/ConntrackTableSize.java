package io.sgagent.netfilter;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The conntrack table's size knobs, for the capacity guard's optional {@code sgagent.conntrack.manage-limit}
 * (issue 12). {@code nf_conntrack_max} is host-wide and writable only from the initial network namespace, and
 * the hash size is a module parameter: both are written by the agent's own process (not through
 * {@code ip netns exec}), so this works only for an agent that runs in the initial namespace
 * (hostNetwork: true), which is why managing the limit is off by default.
 *
 * <p>Thread-safe: stateless.
 */
public interface ConntrackTableSize {
    long max();

    long hashSize();

    void setMax(long max) throws IOException;

    void setHashSize(long buckets) throws IOException;

    /** The real files of this host. */
    static ConntrackTableSize procfs() {
        return new ConntrackTableSize() {
            private static final String MAX = "/proc/sys/net/netfilter/nf_conntrack_max";
            private static final String HASHSIZE = "/sys/module/nf_conntrack/parameters/hashsize";

            @Override
            public long max() {
                return read(MAX);
            }

            @Override
            public long hashSize() {
                return read(HASHSIZE);
            }

            @Override
            public void setMax(long max) throws IOException {
                write(MAX, max);
            }

            @Override
            public void setHashSize(long buckets) throws IOException {
                write(HASHSIZE, buckets);
            }

            // Plain streams: Files.readString sizes its read from procfs' reported size (see ConntrackClient).
            private static long read(String path) {
                try (InputStream in = new FileInputStream(path)) {
                    return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
                } catch (IOException | NumberFormatException e) {
                    return -1;
                }
            }

            private static void write(String path, long value) throws IOException {
                try (OutputStream out = new FileOutputStream(path)) {
                    out.write(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
                }
            }
        };
    }
}
