package dev.tailguard.internal;

import dev.tailguard.HedgeDelay;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The adaptive (hedge at the (1 − b) quantile) and optimal (hedge after d with probability q)
 * delays. Both read a {@link SurvivalCurve} snapshot that {@link LatencyTracker} refreshes, and
 * cache the derived (d, q) per snapshot so the hot path is a volatile read.
 */
public final class PercentileHedgeDelay implements HedgeDelay {
  private static final int SLOTS = 3;

  private final boolean randomized;
  private final double budget;
  private final long minDelayNanos;
  private final double targetPercentile;
  private final LatencyTracker tracker;
  private volatile Choice choice;

  /** A (d, q) derived from one snapshot. */
  private static final class Choice {
    final SurvivalCurve from;
    final long delayNanos;
    final double probability;

    Choice(SurvivalCurve from, long delayNanos, double probability) {
      this.from = from;
      this.delayNanos = delayNanos;
      this.probability = probability;
    }
  }

  public PercentileHedgeDelay(
      boolean randomized,
      double budget,
      Clock clock,
      long windowNanos,
      long refreshNanos,
      long minDelayNanos,
      long minSamples,
      double targetPercentile) {
    this.randomized = randomized;
    this.budget = budget;
    this.minDelayNanos = minDelayNanos;
    this.targetPercentile = targetPercentile;
    this.tracker = new LatencyTracker(clock, windowNanos, SLOTS, refreshNanos, minSamples);
  }

  @Override
  public long delayNanos(int hedge, RandomGenerator random) {
    Choice current = current();
    // Until the window has enough completed attempts, no timed hedge: unknown latency, no budget.
    if (current == null) {
      return -1;
    }
    // The randomized rule is defined for one reissue; later hedges only follow failures.
    if (randomized && (hedge > 1 || (current.probability < 1 && random.nextDouble() >= current.probability))) {
      return -1;
    }
    return current.delayNanos;
  }

  @Override
  public void record(long nanos, boolean completed) {
    tracker.record(nanos, completed);
  }

  @Override
  public Optional<Duration> currentDelay() {
    Choice current = current();
    return current == null ? Optional.empty() : Optional.of(Duration.ofNanos(current.delayNanos));
  }

  @Override
  public double hedgeProbability() {
    Choice current = current();
    return current == null ? 0 : current.probability;
  }

  private Choice current() {
    SurvivalCurve curve = tracker.curve();
    if (curve == null) {
      return null;
    }
    Choice cached = choice;
    if (cached != null && cached.from == curve) {
      return cached;
    }
    Choice fresh;
    if (randomized) {
      long[] best = curve.optimalHedge(budget, targetPercentile);
      fresh = new Choice(curve, Math.max(minDelayNanos, best[0]), best[1] / 1e6);
    } else {
      fresh = new Choice(curve, Math.max(minDelayNanos, curve.quantile(1.0 - budget)), 1.0);
    }
    choice = fresh;
    return fresh;
  }

  @Override
  public String toString() {
    return (randomized ? "HedgeDelay.optimal(" : "HedgeDelay.adaptive(") + budget + ")";
  }
}
