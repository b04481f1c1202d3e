package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.internal.Durations;
import dev.tailguard.internal.PercentileHedgeDelay;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to send the next hedge of a call that has not answered yet.
 *
 * <ul>
 *   <li>{@link #fixed(Duration)}: brpc's {@code backup_request_ms}.
 *   <li>{@link #schedule(Backoff)}: hedge k after the backoff's k-th delay, for example binary
 *       exponential backoff with jitter, as in the design notes.
 *   <li>{@link #adaptive(double)}: hedge once the call has been outstanding longer than the
 *       {@code (1 − budget)} quantile of recent attempt latencies (Finagle's rule), so the extra
 *       load stays near {@code budget}.
 *   <li>{@link #optimal(double)}: hedge after d with probability q, with (d, q) chosen from recent
 *       latencies to minimise a tail percentile subject to {@code q·P(latency > d) <= budget}
 *       (SingleR; Kaler, He and Elnikety, SPAA 2017). At a 1% budget on a bimodal backend it
 *       beats "hedge at p99" by about a quarter at p99.9.
 * </ul>
 *
 * <p>The adaptive and optimal delays learn from the attempts of every call that shares them, so
 * share one per backend. They estimate the latency distribution with cancelled losers counted as
 * censored, so cancelling slow attempts does not bias the estimate. Thread-safe.
 *
 * @since 0.1
 */
public interface HedgeDelay {

  /**
   * The delay before sending hedge number {@code hedge}, measured from the start of the attempt
   * before it.
   *
   * @param hedge 1 for the first hedge (the call's second attempt)
   * @param random randomness, for jittered schedules and the randomized rule
   * @return the delay in nanoseconds, or a negative value to send no timed hedge
   */
  long delayNanos(int hedge, RandomGenerator random);

  /**
   * Learns one attempt's latency.
   *
   * @param nanos how long the attempt ran
   * @param completed {@code true} if it completed then, {@code false} if it was cancelled then
   *     (its latency is at least {@code nanos})
   */
  default void record(long nanos, boolean completed) {}

  /** Returns the current delay before the first hedge, when there is one. */
  default Optional<Duration> currentDelay() {
    return Optional.empty();
  }

  /** Returns the current probability that a slow call is hedged at all (1 except for optimal). */
  default double hedgeProbability() {
    return 1.0;
  }

  /**
   * Hedges after a fixed delay.
   *
   * @param delay the delay, {@code >= 0}; zero sends every hedge at once
   * @throws IllegalArgumentException if negative
   */
  static HedgeDelay fixed(Duration delay) {
    long nanos = Durations.toNanosSaturated(Checks.nonNegative(delay, "delay"));
    return new HedgeDelay() {
      @Override
      public long delayNanos(int hedge, RandomGenerator random) {
        return nanos;
      }

      @Override
      public Optional<Duration> currentDelay() {
        return Optional.of(Duration.ofNanos(nanos));
      }

      @Override
      public String toString() {
        return "HedgeDelay.fixed(" + Duration.ofNanos(nanos) + ")";
      }
    };
  }

  /**
   * Spaces successive hedges by a backoff: hedge k waits the backoff's k-th delay.
   *
   * @param backoff the schedule
   * @throws NullPointerException if null
   */
  static HedgeDelay schedule(Backoff backoff) {
    Checks.notNull(backoff, "backoff");
    return new HedgeDelay() {
      @Override
      public long delayNanos(int hedge, RandomGenerator random) {
        return backoff.delayNanos(hedge, 0, random);
      }

      @Override
      public String toString() {
        return "HedgeDelay.schedule(" + backoff + ")";
      }
    };
  }

  /**
   * Starts an adaptive delay: hedge at the {@code (1 − budget)} quantile of recent latencies.
   *
   * @param budget the target extra load, in (0, 1)
   * @throws IllegalArgumentException if out of range
   */
  static TrackedBuilder adaptive(double budget) {
    return new TrackedBuilder(false, budget);
  }

  /**
   * Starts a budget-optimal randomized delay, minimising the p99.9 by default. Its window
   * defaults to 120 s: a far tail needs many samples (about 100 beyond the target percentile).
   *
   * @param budget the target extra load, in (0, 1)
   * @throws IllegalArgumentException if out of range
   */
  static TrackedBuilder optimal(double budget) {
    return new TrackedBuilder(true, budget);
  }

  /**
   * Builds an adaptive or optimal delay. Defaults follow Finagle's BackupRequestFilter: a 30 s
   * window (120 s for optimal) in 3 slots, refreshed every 3 s, at least 1 ms; no hedging until
   * 100 attempts have completed in the window; optimal minimises the 0.999 percentile.
   */
  final class TrackedBuilder {
    private final boolean randomized;
    private final double budget;
    private Clock clock = Clock.system();
    private Duration window = Duration.ofSeconds(30);
    private Duration refresh = Duration.ofSeconds(3);
    private Duration minDelay = Duration.ofMillis(1);
    private long minSamples = 100;
    private double targetPercentile = 0.999;

    TrackedBuilder(boolean randomized, double budget) {
      Checks.argument(budget > 0 && budget < 1, "budget must be in (0, 1): %s", budget);
      this.randomized = randomized;
      this.budget = budget;
      this.window = randomized ? Duration.ofSeconds(120) : Duration.ofSeconds(30);
    }

    /** Sets the clock behind the windows. Default {@link Clock#system()}. */
    public TrackedBuilder clock(Clock clock) {
      this.clock = Checks.notNull(clock, "clock");
      return this;
    }

    /** Sets the window of latencies considered, >= 3 ms. Default 30 s (120 s for optimal). */
    public TrackedBuilder window(Duration window) {
      Checks.positive(window, "window");
      Checks.argument(Durations.toNanosSaturated(window) >= 3_000_000, "window must be >= 3ms: %s", window);
      this.window = window;
      return this;
    }

    /** Sets how often the estimate is recomputed, > 0. Default 3 s. */
    public TrackedBuilder refresh(Duration refresh) {
      this.refresh = Checks.positive(refresh, "refresh");
      return this;
    }

    /** Sets the smallest delay ever used, >= 0. Default 1 ms. */
    public TrackedBuilder minDelay(Duration minDelay) {
      this.minDelay = Checks.nonNegative(minDelay, "minDelay");
      return this;
    }

    /** Sets how many completed attempts the window needs before hedging starts, >= 1. Default 100. */
    public TrackedBuilder minSamples(long minSamples) {
      Checks.argument(minSamples >= 1, "minSamples must be >= 1: %s", minSamples);
      this.minSamples = minSamples;
      return this;
    }

    /** Sets the percentile the optimal rule minimises, in (0.5, 1). Default 0.999. */
    public TrackedBuilder targetPercentile(double targetPercentile) {
      Checks.argument(targetPercentile > 0.5 && targetPercentile < 1, "targetPercentile must be in (0.5, 1): %s", targetPercentile);
      this.targetPercentile = targetPercentile;
      return this;
    }

    /** Builds the delay. Share it across the calls to one backend. */
    public HedgeDelay build() {
      return new PercentileHedgeDelay(
          randomized, budget, clock, Durations.toNanosSaturated(window), Durations.toNanosSaturated(refresh), Durations.toNanosSaturated(minDelay), minSamples, targetPercentile);
    }
  }
}
