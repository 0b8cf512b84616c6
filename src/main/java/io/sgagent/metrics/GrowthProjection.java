package io.sgagent.metrics;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Projects when the conntrack table fills from its recent growth: a least-squares line through the last
 * {@code window} samples (time, entries). Least squares rather than the last two samples so that one burst of
 * short-lived flows between two scrapes does not predict doom. Pure arithmetic, no clock of its own.
 *
 * <p>Not thread-safe: the capacity guard calls it from its one thread and publishes the result.
 */
final class GrowthProjection {
    private final int window;
    private final Deque<double[]> samples = new ArrayDeque<>();

    GrowthProjection(int window) {
        if (window < 2) {
            throw new IllegalArgumentException("a slope needs at least two samples");
        }
        this.window = window;
    }

    void add(double seconds, double entries) {
        samples.addLast(new double[] {seconds, entries});
        while (samples.size() > window) {
            samples.removeFirst();
        }
    }

    /** Entries per second over the window; NaN with fewer than two samples or no time between them. */
    double slope() {
        int n = samples.size();
        if (n < 2) {
            return Double.NaN;
        }
        double meanT = 0;
        double meanE = 0;
        for (double[] s : samples) {
            meanT += s[0] / n;
            meanE += s[1] / n;
        }
        double covariance = 0;
        double variance = 0;
        for (double[] s : samples) {
            covariance += (s[0] - meanT) * (s[1] - meanE);
            variance += (s[0] - meanT) * (s[0] - meanT);
        }
        return variance == 0 ? Double.NaN : covariance / variance;
    }

    /**
     * Seconds until {@code entries} reaches {@code limit} at the current slope: 0 when already full, +Infinity
     * when the table is not growing, NaN before there are two samples or when the limit is unknown.
     */
    double secondsToFull(double entries, double limit) {
        if (limit <= 0) {
            return Double.NaN;
        }
        if (entries >= limit) {
            return 0;
        }
        double slope = slope();
        if (Double.isNaN(slope)) {
            return Double.NaN;
        }
        return slope <= 0 ? Double.POSITIVE_INFINITY : (limit - entries) / slope;
    }
}
