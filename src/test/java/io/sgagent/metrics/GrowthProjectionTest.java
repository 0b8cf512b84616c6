package io.sgagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GrowthProjectionTest {
    @Test
    void steadyGrowthProjectsTheRemainingHeadroomOverTheSlope() {
        GrowthProjection p = new GrowthProjection(8);
        for (int t = 0; t < 5; t++) {
            p.add(t * 15, 1000 + t * 150); // 10 entries/s
        }
        assertThat(p.slope()).isCloseTo(10, within(1e-9));
        assertThat(p.secondsToFull(1600, 10_000)).isCloseTo(840, within(1e-6));
    }

    @Test
    void aFlatOrShrinkingTableNeverFillsAndOneSampleKnowsNothing() {
        GrowthProjection p = new GrowthProjection(4);
        p.add(0, 500);
        assertThat(p.secondsToFull(500, 1000)).isNaN();
        p.add(15, 500);
        assertThat(p.secondsToFull(500, 1000)).isInfinite();
        p.add(30, 400);
        assertThat(p.secondsToFull(400, 1000)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(p.secondsToFull(1000, 1000)).isZero();
    }

    @Test
    void oneBurstInsideTheWindowDoesNotDominateAndOldSamplesAgeOut() {
        GrowthProjection p = new GrowthProjection(3);
        p.add(0, 100);
        p.add(15, 5000); // a burst
        p.add(30, 100);
        assertThat(p.slope()).isZero();
        p.add(45, 100);
        p.add(60, 100);
        assertThat(p.slope()).isZero();
        assertThat(p.secondsToFull(100, 1000)).isInfinite();
    }
}
