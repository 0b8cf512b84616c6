package io.sgagent.model;

/** An inclusive TCP/UDP port range, 1-65535. */
public record PortRange(int start, int end) {
    public static final PortRange ALL = new PortRange(1, 65535);

    public PortRange {
        if (start < 1 || start > 65535) {
            throw new IllegalArgumentException("port " + start + " is outside 1-65535");
        }
        if (end < 1 || end > 65535) {
            throw new IllegalArgumentException("port " + end + " is outside 1-65535");
        }
        if (start > end) {
            throw new IllegalArgumentException("portStart " + start + " is greater than portEnd " + end);
        }
    }

    public boolean isAll() {
        return start == 1 && end == 65535;
    }

    public boolean contains(int port) {
        return port >= start && port <= end;
    }
}
