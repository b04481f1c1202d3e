package dev.tailguard.lab.whatif;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.lab.hedge.HedgeSimulation;
import dev.tailguard.lab.hedge.HedgeSimulation.Engine;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One way to call the backend, as the real engine of tailguard-core: no hedging, a fixed hedge
 * delay at a quantile, an adaptive or optimal delay at a budget, clone-to-n, or a retry after a
 * per-attempt timeout at a quantile. With a retry budget every hedge and retry also asks a
 * {@link RetryBudget#ratio()} budget on the run's clock. Immutable.
 */
final class Strategy {
  final String kind;
  final String label;
  /** The quantile a fixed delay or timeout sits at, or null. */
  final Double quantile;
  /** The budget of an adaptive or optimal delay, or null. */
  final Double budget;
  /** Attempts per call at most. */
  final int attempts;
  /** The fixed delay or timeout in ms, or NaN. */
  final double delayMs;
  private final Function<FakeClock, HedgeDelay> delay;

  private Strategy(String kind, String label, Double quantile, Double budget, int attempts, double delayMs, Function<FakeClock, HedgeDelay> delay) {
    this.kind = kind;
    this.label = label;
    this.quantile = quantile;
    this.budget = budget;
    this.attempts = attempts;
    this.delayMs = delayMs;
    this.delay = delay;
  }

  static Strategy none() {
    return new Strategy("none", "none", null, null, 1, Double.NaN, clock -> HedgeDelay.fixed(Duration.ZERO));
  }

  static Strategy fixed(double quantile, double delayMs) {
    return new Strategy("fixed", String.format("fixed at p%s (%.2f ms)", pct(quantile), delayMs), quantile, null, 2, delayMs,
        clock -> HedgeDelay.fixed(millis(delayMs)));
  }

  static Strategy adaptive(double budget) {
    return new Strategy("adaptive", "adaptive b=" + budget, null, budget, 2, Double.NaN, clock -> HedgeDelay.adaptive(budget).clock(clock).build());
  }

  static Strategy optimal(double budget) {
    return new Strategy("optimal", "optimal b=" + budget, null, budget, 2, Double.NaN, clock -> HedgeDelay.optimal(budget).clock(clock).build());
  }

  static Strategy clone(int n) {
    return new Strategy("clone", "clone n=" + n, null, null, n, 0, clock -> HedgeDelay.fixed(Duration.ZERO));
  }

  static Strategy retryTimeout(double quantile, double timeoutMs, int attempts) {
    return new Strategy("retry-timeout", String.format("retry-timeout at p%s (%.2f ms) x%d", pct(quantile), timeoutMs, attempts), quantile, null,
        attempts, timeoutMs, null);
  }

  /** The engine on the run's clock; {@code retryBudget} is a ratio budget's share, or null for none. */
  Engine engine(FakeClock clock, SplittableRandom random, Double retryBudget) {
    RetryAdmission admission = retryBudget == null || kind.equals("none") ? RetryAdmission.always()
        : RetryBudget.ratio().percentCanRetry(retryBudget).minRetriesPerSecond(0).clock(clock).build();
    if (kind.equals("retry-timeout")) {
      Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(attempts).perAttemptTimeout(millis(delayMs)).backoff(Backoff.none())
          .admission(admission).build(), clock, clock, random.split());
      return new Engine() {
        @Override
        public CompletableFuture<Boolean> call(dev.tailguard.AsyncAttempt<Boolean> attempt) {
          return retry.executeAsync(attempt, OutcomeHandler.defaults());
        }
      };
    }
    HedgePolicy.Builder policy = HedgePolicy.builder(delay.apply(clock)).maxAttempts(attempts);
    if (retryBudget != null && !kind.equals("none")) {
      policy.admission(admission);
    }
    return HedgeSimulation.hedgeEngine(policy.build(), clock, random);
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos(Math.round(ms * 1e6));
  }

  static String pct(double quantile) {
    String text = String.format(java.util.Locale.ROOT, "%.3f", quantile * 100);
    return text.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
