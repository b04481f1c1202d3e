package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Checked against the exact oracle for Brooker's bimodal distribution (ANCHORS §4.3). */
class SurvivalCurveTest {
  private static final double MS = 1e6;

  /** 99% Normal(10, 2) + 1% Normal(100, 10) ms. */
  private static long[] bimodal(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] samples = new long[n];
    for (int i = 0; i < n; i++) {
      boolean slow = random.nextDouble() < 0.01;
      double ms = slow ? 100 + 10 * random.nextGaussian() : 10 + 2 * random.nextGaussian();
      samples[i] = Math.max(0, Math.round(ms * MS));
    }
    return samples;
  }

  private final SurvivalCurve curve = SurvivalCurve.fromSamples(bimodal(1_000_000, 1));

  @Test
  void quantilesMatchTheDistribution() {
    assertThat(curve.quantile(0.5) / MS).isCloseTo(10.03, within(0.1));
    assertThat(curve.quantile(0.95) / MS).isCloseTo(13.49, within(0.15));
    assertThat(curve.quantile(0.999) / MS).isCloseTo(112.8, within(1.5));
  }

  @Test
  void hedgingAtP95MatchesTheOracle() {
    long d = curve.quantile(0.95);
    assertThat(curve.survival(d)).isCloseTo(0.05, within(0.002));
    assertThat(curve.hedgedQuantile(0.999, d, 1.0) / MS).isCloseTo(26.2, within(0.6));
  }

  @Test
  void theOptimalRandomizedHedgeBeatsHedgingAtP99OnAOnePercentBudget() {
    long[] optimal = curve.optimalHedge(0.01, 0.999);
    long d = optimal[0];
    double q = optimal[1] / 1e6;
    assertThat(q * curve.survival(d)).isLessThanOrEqualTo(0.0101);
    assertThat(d / MS).isCloseTo(16.75, within(1.0));
    assertThat(q).isCloseTo(0.965, within(0.03));
    double optimalP999 = curve.hedgedQuantile(0.999, d, q) / MS;
    // p99 sits in the empty gap between the modes, so use the oracle's p99 (ANCHORS §4.3).
    double atP99 = curve.hedgedQuantile(0.999, Math.round(25.98 * MS), 1.0) / MS;
    assertThat(optimalP999).isCloseTo(29.9, within(1.0));
    assertThat(atP99).isCloseTo(38.65, within(2.0));
  }

  @Test
  void censoredSamplesDoNotShortenTheTail() {
    // Every attempt that ran past 15 ms is cancelled at a random age in (15, 40) ms half the
    // time, as a losing primary is: Kaplan–Meier must still see the 1% slow mode.
    long[] samples = bimodal(400_000, 2);
    long[] completed = new long[LatencyHistogram.BUCKETS];
    long[] censored = new long[LatencyHistogram.BUCKETS];
    SplittableRandom random = new SplittableRandom(3);
    for (long sample : samples) {
      long cancelAt = Math.round((15 + 25 * random.nextDouble()) * MS);
      if (sample > 15 * MS && random.nextBoolean() && cancelAt < sample) {
        censored[LatencyHistogram.index(cancelAt)]++;
      } else {
        completed[LatencyHistogram.index(sample)]++;
      }
    }
    SurvivalCurve km = SurvivalCurve.from(completed, censored);
    assertThat(km.survival(Math.round(50 * MS))).isCloseTo(0.01, within(0.001));
    assertThat(km.quantile(0.999) / MS).isCloseTo(112.8, within(2.0));
  }

  @Test
  void bucketsAreContiguousAndTight() {
    for (int i = 0; i + 1 < LatencyHistogram.BUCKETS; i++) {
      assertThat(LatencyHistogram.upperBound(i)).isEqualTo(LatencyHistogram.lowerBound(i + 1));
      assertThat(LatencyHistogram.index(LatencyHistogram.lowerBound(i))).isEqualTo(i);
    }
    for (long v : new long[] {0, 1, 255, 256, 1_000, 12_345_678, 1L << 40, Long.MAX_VALUE}) {
      int i = LatencyHistogram.index(v);
      long lo = LatencyHistogram.lowerBound(i);
      long hi = LatencyHistogram.upperBound(i);
      assertThat(Math.min(v, (1L << 44) - 1)).isBetween(lo, hi - 1);
      // Below 256 ns buckets are exact (width 1); above, each is within 1/128 of its values.
      assertThat(hi - lo == 1 || (double) (hi - lo) / lo <= 1.0 / 128).isTrue();
    }
  }
}
