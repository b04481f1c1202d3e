package dev.tailguard.lab.hedge;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Runs requests through the real {@link Hedge} engine (or any engine of the library) on a {@link
 * FakeClock}: each attempt completes after a latency drawn from the model, losers are cancelled by
 * the engine, and the adaptive delays learn from what the engine records. As in the oracle, there
 * is no load feedback.
 *
 * <p>Requests arrive open-loop (Poisson at {@code ratePerSecond} of virtual time), as a service's
 * traffic does, so the adaptive windows hold tens of thousands of samples. A rate of 0 sends them
 * one at a time instead, as brpc's example does. Not thread-safe; one run per thread.
 */
public final class HedgeSimulation {
  /** What one run measured. */
  public static final class Outcome {
    /** Every call's latency in milliseconds, a failed call's up to its failure. */
    public final double[] latenciesMs;
    /** Attempts the backend received. */
    public final long attempts;
    /** Calls that ended with an exception. */
    public final int failures;
    /** What an adaptive delay learned ("d=… q=…"), or empty. */
    public final String learned;
    private final boolean[] failed;

    Outcome(double[] latenciesMs, long attempts, int failures, boolean[] failed, String learned) {
      this.latenciesMs = latenciesMs;
      this.attempts = attempts;
      this.failures = failures;
      this.failed = failed;
      this.learned = learned;
    }

    /** The latencies of the calls that succeeded, in call order. */
    public double[] successLatenciesMs() {
      double[] out = new double[latenciesMs.length - failures];
      int j = 0;
      for (int i = 0; i < latenciesMs.length; i++) {
        if (!failed[i]) {
          out[j++] = latenciesMs[i];
        }
      }
      return out;
    }
  }

  /** One strategy's engine, built on the run's clock: it runs one call of attempts. */
  public interface Engine {
    /** Runs one call; its future completes when the engine ends the call. */
    CompletableFuture<Boolean> call(AsyncAttempt<Boolean> attempt);

    /** What the engine learned by the end of the run, for the table; empty by default. */
    default String learned() {
      return "";
    }
  }

  /** The latency of one attempt. */
  @FunctionalInterface
  public interface AttemptLatency {
    /**
     * @param call the call's index, from 0
     * @param attempt the attempt's number within the call, from 1
     * @param serverRequest the number of attempts the backend has received, this one included
     * @param random the run's randomness
     * @return the attempt's latency in milliseconds, {@code >= 0}
     */
    double millis(int call, int attempt, long serverRequest, RandomGenerator random);
  }

  private HedgeSimulation() {}

  /**
   * @param delayFactory builds the strategy's delay on the run's clock (adaptive ones learn)
   * @param maxAttempts 1 for no hedging
   */
  static Outcome run(
      LatencyModel model, Function<FakeClock, HedgeDelay> delayFactory, int maxAttempts, int requests, double ratePerSecond, long seed) {
    Outcome outcome = replay((call, attempt, n, random) -> model.nextMillis(n, random),
        (clock, random) -> hedgeEngine(HedgePolicy.builder(delayFactory.apply(clock)).maxAttempts(maxAttempts).build(), clock, random),
        requests, ratePerSecond, seed);
    if (outcome.failures > 0) {
      throw new IllegalStateException(outcome.failures + " requests failed; the models never fail");
    }
    return outcome;
  }

  /** The real {@link Hedge} under {@code policy} on the run's clock, seeded from the run. */
  public static Engine hedgeEngine(HedgePolicy policy, FakeClock clock, SplittableRandom random) {
    Hedge hedge = Hedge.builder(policy).clock(clock).scheduler(clock).random(random.split()).build();
    HedgeDelay delay = policy.delay();
    return new Engine() {
      @Override
      public CompletableFuture<Boolean> call(AsyncAttempt<Boolean> attempt) {
        return hedge.executeAsync(attempt, OutcomeHandler.defaults());
      }

      @Override
      public String learned() {
        return delay.currentDelay().map(d -> String.format("d=%.2fms q=%.3f", d.toNanos() / 1e6, delay.hedgeProbability())).orElse("");
      }
    };
  }

  /**
   * Replays {@code requests} calls through the engine built by {@code engines} from the run's
   * clock and randomness; each attempt takes {@code latency} of virtual time and then succeeds.
   *
   * @param ratePerSecond Poisson arrivals per second of virtual time, or 0 for one call at a time
   */
  public static Outcome replay(
      AttemptLatency latency, BiFunction<FakeClock, SplittableRandom, Engine> engines, int requests, double ratePerSecond, long seed) {
    FakeClock clock = new FakeClock();
    SplittableRandom random = new SplittableRandom(seed);
    Engine engine = engines.apply(clock, random);
    long[] serverRequests = {0};
    double[] latencies = new double[requests];
    boolean[] failed = new boolean[requests];
    int[] failures = {0};
    for (int i = 0; i < requests; i++) {
      if (ratePerSecond > 0) {
        double gapSeconds = -Math.log(1 - random.nextDouble()) / ratePerSecond;
        clock.advance(Duration.ofNanos(Math.round(gapSeconds * 1e9)));
      }
      int index = i;
      long start = clock.nanoTime();
      CompletableFuture<Boolean> call = engine.call(context -> {
        serverRequests[0]++;
        double ms = latency.millis(index, context.attempt(), serverRequests[0], random);
        CompletableFuture<Boolean> reply = new CompletableFuture<>();
        clock.schedule(() -> reply.complete(Boolean.TRUE), Duration.ofNanos(Math.round(ms * 1e6)));
        return reply;
      });
      call.whenComplete((r, e) -> {
        latencies[index] = (clock.nanoTime() - start) / 1e6;
        if (e != null) {
          failed[index] = true;
          failures[0]++;
        }
      });
      if (ratePerSecond <= 0) {
        clock.runUntilIdle();
        // A gap between sequential requests lets the adaptive windows see time pass.
        clock.advance(Duration.ofMillis(1));
      }
    }
    clock.runUntilIdle();
    return new Outcome(latencies, serverRequests[0], failures[0], failed, engine.learned());
  }
}
