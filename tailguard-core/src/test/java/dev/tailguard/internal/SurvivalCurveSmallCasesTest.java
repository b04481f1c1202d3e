package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * {@link SurvivalCurve} on hand-sized inputs whose Kaplan–Meier curve is known exactly. Below 256
 * ns every histogram bucket is one nanosecond wide, so a latency of 10 ns fills bucket [10, 11).
 */
class SurvivalCurveSmallCasesTest {
  private static final double EXACT = 1e-12;

  /** Two attempts at 10 ns, two at 20 ns: edges 10, 11, 21 with S = 1, 0.5, 0. */
  private final SurvivalCurve curve = SurvivalCurve.fromSamples(new long[] {10, 10, 20, 20});

  private static SurvivalCurve counts(long[][] completedAndCensored) {
    long[] completed = new long[LatencyHistogram.BUCKETS];
    long[] censored = new long[LatencyHistogram.BUCKETS];
    for (long[] row : completedAndCensored) {
      completed[(int) row[0]] += row[1];
      censored[(int) row[0]] += row[2];
    }
    return SurvivalCurve.from(completed, censored);
  }

  @Test
  void survivalIsOneBeforeTheFirstBucketExactAtEdgesLinearBetweenAndFlatAfterTheLast() {
    assertThat(curve.survival(0)).isEqualTo(1.0);
    assertThat(curve.survival(5)).as("the curve starts at the first bucket, not at 0").isEqualTo(1.0);
    assertThat(curve.survival(10)).isEqualTo(1.0);
    assertThat(curve.survival(11)).isEqualTo(0.5);
    assertThat(curve.survival(16)).isCloseTo(0.25, within(EXACT));
    assertThat(curve.survival(13)).isCloseTo(0.4, within(EXACT));
    assertThat(curve.survival(21)).isEqualTo(0.0);
    assertThat(curve.survival(1_000)).isEqualTo(0.0);
    assertThat(curve.samples()).isEqualTo(4);
  }

  @Test
  void quantilesInvertTheCurve() {
    assertThat(curve.quantile(0.0)).isEqualTo(10);
    assertThat(curve.quantile(0.5)).isEqualTo(11);
    assertThat(curve.quantile(0.75)).isEqualTo(16);
    assertThat(curve.quantile(0.6)).isEqualTo(13);
    assertThat(curve.quantile(1.0)).isEqualTo(21);
  }

  @Test
  void aCancelledAttemptCountsAsAtRiskUntilItsAgeButNotAsACompletion() {
    // At 10 ns: 4 at risk, 1 completed, 1 cancelled; at 20 ns the 2 left both complete.
    SurvivalCurve km = counts(new long[][] {{10, 1, 1}, {20, 2, 0}});

    assertThat(km.survival(11)).isEqualTo(0.75);
    assertThat(km.survival(21)).isEqualTo(0.0);
    assertThat(km.samples()).as("only completions are samples").isEqualTo(3);
  }

  @Test
  void aTailOfCancelledAttemptsKeepsTheCurveUp_andAQuantileItNeverReachesIsTheLastEdge() {
    SurvivalCurve km = counts(new long[][] {{10, 2, 0}, {20, 0, 2}});

    assertThat(km.survival(11)).isEqualTo(0.5);
    assertThat(km.survival(21)).isEqualTo(0.5);
    assertThat(km.quantile(0.9)).isEqualTo(21);
    assertThat(km.samples()).isEqualTo(2);
  }

  @Test
  void aFirstBucketWithOnlyCancelledAttemptsStillStartsTheCurve() {
    SurvivalCurve km = counts(new long[][] {{10, 0, 1}, {20, 1, 0}});

    assertThat(km.survival(5)).isEqualTo(1.0);
    assertThat(km.survival(11)).isEqualTo(1.0);
    assertThat(km.survival(16)).isCloseTo(0.5, within(EXACT));
    assertThat(km.survival(21)).isEqualTo(0.0);
  }

  @Test
  void anEmptyCurveSaysEveryAttemptIsStillRunning() {
    SurvivalCurve empty = counts(new long[][] {});

    assertThat(empty.survival(0)).isEqualTo(1.0);
    assertThat(empty.survival(1_000)).isEqualTo(1.0);
    assertThat(empty.quantile(0.5)).isZero();
    assertThat(empty.samples()).isZero();
  }

  @Test
  void aHedgeAfterDWithProbabilityQMultipliesTheTailByTheHedgesOwnSurvival() {
    assertThat(curve.hedgedSurvival(5, 5, 1.0)).as("before the hedge is sent").isEqualTo(1.0);
    assertThat(curve.hedgedSurvival(11, 20, 1.0)).isEqualTo(0.5);
    // S(16) = 0.25 and the hedge, 5 ns old, has S(11) = 0.5.
    assertThat(curve.hedgedSurvival(16, 5, 1.0)).isCloseTo(0.125, within(EXACT));
    assertThat(curve.hedgedSurvival(16, 5, 0.5)).isCloseTo(0.1875, within(EXACT));
    assertThat(curve.hedgedSurvival(16, 5, 0.0)).isCloseTo(0.25, within(EXACT));
  }

  @Test
  void theHedgedQuantileIsTheFirstNanosecondTheHedgedCurveReachesTheTarget() {
    assertThat(curve.hedgedQuantile(0.5, 100, 1.0)).as("a hedge too late to matter").isEqualTo(11);
    assertThat(curve.hedgedQuantile(0.75, 100, 1.0)).isEqualTo(16);
    assertThat(curve.hedgedQuantile(0.875, 5, 1.0)).isEqualTo(16);
    assertThat(curve.hedgedQuantile(0.875, 5, 0.0)).as("q = 0 is no hedge").isEqualTo(curve.quantile(0.875));
    assertThat(curve.hedgedQuantile(1.0, 100, 1.0)).isEqualTo(21);
  }

  @Test
  void theOptimalHedgeKeepsItsExpectedCostWithinTheBudget() {
    long[] samples = new long[1_000];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = 1_000_000 + 1_000L * i * (i % 10 == 0 ? 50 : 1);
    }
    SurvivalCurve wide = SurvivalCurve.fromSamples(samples);
    for (double budget : new double[] {0.01, 0.05, 0.2}) {
      long[] best = wide.optimalHedge(budget, 0.99);
      double q = best[1] / 1e6;
      assertThat(q).isBetween(0.0, 1.0);
      assertThat(best[0]).isBetween(wide.quantile(0.5), wide.quantile(1.0 - budget / 20));
      // The one-sigma lower bound of S may admit slightly more than the estimate allows, never twice.
      assertThat(q * wide.survival(best[0])).isLessThanOrEqualTo(2 * budget);
      assertThat(wide.hedgedQuantile(0.99, best[0], q))
          .as("never worse than hedging at the (1 - budget) quantile")
          .isLessThanOrEqualTo(wide.hedgedQuantile(0.99, wide.quantile(1.0 - budget), 1.0));
    }
  }
}
