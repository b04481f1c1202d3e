package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The adaptive and optimal hedge delays read the latencies their calls recorded: no hedge until
 * enough attempts completed, then the delay the survival curve of those latencies gives, never
 * below the floor, and (optimal only) a first hedge taken with the computed probability.
 */
class PercentileHedgeDelayTest {
  private static final long MS = 1_000_000;
  private static final long WINDOW = 30_000 * MS;
  private static final long REFRESH = 3_000 * MS;

  private final ManualClock clock = new ManualClock();

  /** A generator whose every draw is {@code value}. */
  private static RandomGenerator always(double value) {
    return new RandomGenerator() {
      @Override public long nextLong() {
        return 0;
      }
      @Override public double nextDouble() {
        return value;
      }
    };
  }

  private PercentileHedgeDelay adaptive(double budget, long minDelayNanos, long minSamples) {
    return new PercentileHedgeDelay(false, budget, clock, WINDOW, REFRESH, minDelayNanos, minSamples, 0.999);
  }

  private PercentileHedgeDelay optimal(double budget, long minSamples) {
    return new PercentileHedgeDelay(true, budget, clock, WINDOW, REFRESH, 0, minSamples, 0.999);
  }

  /** 1 to n ms, one of each; returns the samples. */
  private static long[] recordOneToN(PercentileHedgeDelay delay, int n) {
    long[] samples = new long[n];
    for (int i = 0; i < n; i++) {
      samples[i] = (i + 1) * MS;
      delay.record(samples[i], true);
    }
    return samples;
  }

  @Test
  void untilEnoughAttemptsCompleted_thereIsNoTimedHedge() {
    PercentileHedgeDelay delay = adaptive(0.1, MS, 100);
    recordOneToN(delay, 99);
    clock.advance(REFRESH);

    assertThat(delay.delayNanos(1, always(0))).isEqualTo(-1);
    assertThat(delay.currentDelay()).isEmpty();
    assertThat(delay.hedgeProbability()).isZero();
  }

  @Test
  void adaptiveHedgesEveryHedgeAtTheOneMinusBudgetQuantileOfWhatWasRecorded() {
    PercentileHedgeDelay delay = adaptive(0.1, 0, 100);
    long[] samples = recordOneToN(delay, 100);
    clock.advance(REFRESH);
    long expected = SurvivalCurve.fromSamples(samples).quantile(0.9);

    assertThat(expected).isBetween(85 * MS, 95 * MS);
    assertThat(delay.delayNanos(1, always(0.99))).isEqualTo(expected);
    assertThat(delay.delayNanos(2, always(0.99))).as("adaptive hedges again after the first").isEqualTo(expected);
    assertThat(delay.currentDelay()).contains(Duration.ofNanos(expected));
    assertThat(delay.hedgeProbability()).isEqualTo(1.0);
  }

  @Test
  void theDelayNeverFallsBelowTheFloor() {
    PercentileHedgeDelay delay = adaptive(0.1, 500 * MS, 100);
    recordOneToN(delay, 100);
    clock.advance(REFRESH);

    assertThat(delay.delayNanos(1, always(0))).isEqualTo(500 * MS);
    assertThat(delay.currentDelay()).contains(Duration.ofMillis(500));
  }

  @Test
  void theDelayFollowsNewLatenciesOnceTheEstimateIsRefreshed() {
    PercentileHedgeDelay delay = adaptive(0.1, 0, 100);
    recordOneToN(delay, 100);
    clock.advance(REFRESH);
    long before = delay.delayNanos(1, always(0));

    // A whole window later the old latencies are gone: only these slow ones count.
    clock.advance(WINDOW);
    delay.delayNanos(1, always(0));
    long[] slow = new long[100];
    for (int i = 0; i < slow.length; i++) {
      slow[i] = (1_000 + i) * MS;
      delay.record(slow[i], true);
    }
    clock.advance(REFRESH);

    long after = delay.delayNanos(1, always(0));
    assertThat(after).isEqualTo(SurvivalCurve.fromSamples(slow).quantile(0.9)).isGreaterThan(before);
    assertThat(delay.currentDelay()).contains(Duration.ofNanos(after));
  }

  @Test
  void optimalHedgesOnlyTheFirstReissue_withTheComputedDelayAndProbability() {
    PercentileHedgeDelay delay = optimal(0.01, 1_000);
    long[] samples = bimodal(20_000);
    for (long sample : samples) {
      delay.record(sample, true);
    }
    clock.advance(REFRESH);
    long[] best = SurvivalCurve.fromSamples(samples).optimalHedge(0.01, 0.999);
    double q = best[1] / 1e6;
    assertThat(q).as("this distribution needs a probability below one").isGreaterThan(0.5).isLessThan(1);

    assertThat(delay.hedgeProbability()).isEqualTo(q);
    assertThat(delay.currentDelay()).contains(Duration.ofNanos(best[0]));
    assertThat(delay.delayNanos(1, always(0))).isEqualTo(best[0]);
    assertThat(delay.delayNanos(1, always(Math.nextDown(q)))).as("a draw below q hedges").isEqualTo(best[0]);
    assertThat(delay.delayNanos(1, always(q))).as("a draw of q or more does not").isEqualTo(-1);
    assertThat(delay.delayNanos(2, always(0))).as("later hedges only follow failures").isEqualTo(-1);
  }

  @Test
  void optimalWithProbabilityOne_hedgesWhateverTheDraw() {
    // A budget larger than the whole tail: q is 1.
    PercentileHedgeDelay delay = optimal(0.5, 100);
    long[] samples = recordOneToN(delay, 100);
    clock.advance(REFRESH);
    long[] best = SurvivalCurve.fromSamples(samples).optimalHedge(0.5, 0.999);
    assertThat(best[1]).isEqualTo(1_000_000);

    assertThat(delay.hedgeProbability()).isEqualTo(1.0);
    assertThat(delay.delayNanos(1, always(1.0))).isEqualTo(best[0]);
  }

  @Test
  void saysWhichRuleAndBudgetItIs() {
    assertThat(adaptive(0.05, 0, 1)).hasToString("HedgeDelay.adaptive(0.05)");
    assertThat(optimal(0.02, 1)).hasToString("HedgeDelay.optimal(0.02)");
  }

  /** 99% about 10 ms, 1% about 100 ms, deterministic. */
  private static long[] bimodal(int n) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    long[] samples = new long[n];
    for (int i = 0; i < n; i++) {
      double ms = random.nextDouble() < 0.01 ? 100 + 10 * random.nextGaussian() : 10 + 2 * random.nextGaussian();
      samples[i] = Math.max(1, Math.round(ms * MS));
    }
    return samples;
  }
}
