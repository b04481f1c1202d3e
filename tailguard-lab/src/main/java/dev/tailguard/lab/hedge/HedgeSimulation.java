package dev.tailguard.lab.hedge;

import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Runs requests through the real {@link Hedge} engine on a {@link FakeClock}: each attempt
 * completes after a latency drawn from the model, losers are cancelled by the engine, and the
 * adaptive delays learn from what the engine records. As in the oracle, attempts are independent
 * and there is no load feedback.
 *
 * <p>Requests arrive open-loop (Poisson at {@code ratePerSecond} of virtual time), as a service's
 * traffic does, so the adaptive windows hold tens of thousands of samples. A rate of 0 sends them
 * one at a time instead, as brpc's example does.
 */
final class HedgeSimulation {
  /** What one run measured. */
  static final class Outcome {
    final double[] latenciesMs;
    final long attempts;
    final String learned;

    Outcome(double[] latenciesMs, long attempts, String learned) {
      this.latenciesMs = latenciesMs;
      this.attempts = attempts;
      this.learned = learned;
    }
  }

  private HedgeSimulation() {}

  /**
   * @param delayFactory builds the strategy's delay on the run's clock (adaptive ones learn)
   * @param maxAttempts 1 for no hedging
   */
  static Outcome run(
      LatencyModel model, Function<FakeClock, HedgeDelay> delayFactory, int maxAttempts, int requests, double ratePerSecond, long seed) {
    FakeClock clock = new FakeClock();
    SplittableRandom random = new SplittableRandom(seed);
    HedgeDelay delay = delayFactory.apply(clock);
    Hedge hedge = Hedge.builder(HedgePolicy.builder(delay).maxAttempts(maxAttempts).build())
        .clock(clock).scheduler(clock).random(random.split()).build();
    long[] serverRequests = {0};
    double[] latencies = new double[requests];
    int[] failures = {0};
    for (int i = 0; i < requests; i++) {
      if (ratePerSecond > 0) {
        double gapSeconds = -Math.log(1 - random.nextDouble()) / ratePerSecond;
        clock.advance(Duration.ofNanos(Math.round(gapSeconds * 1e9)));
      }
      int index = i;
      long start = clock.nanoTime();
      CompletableFuture<Boolean> call = hedge.executeAsync(context -> {
        serverRequests[0]++;
        double ms = model.nextMillis(serverRequests[0], random);
        CompletableFuture<Boolean> reply = new CompletableFuture<>();
        clock.schedule(() -> reply.complete(Boolean.TRUE), Duration.ofNanos(Math.round(ms * 1e6)));
        return reply;
      }, OutcomeHandler.defaults());
      call.whenComplete((r, e) -> {
        latencies[index] = (clock.nanoTime() - start) / 1e6;
        failures[0] += e == null ? 0 : 1;
      });
      if (ratePerSecond <= 0) {
        clock.runUntilIdle();
        // A gap between sequential requests lets the adaptive windows see time pass.
        clock.advance(Duration.ofMillis(1));
      }
    }
    clock.runUntilIdle();
    if (failures[0] > 0) {
      throw new IllegalStateException(failures[0] + " requests failed; the models never fail");
    }
    String learned = delay.currentDelay().map(d -> String.format("d=%.2fms q=%.3f", d.toNanos() / 1e6, delay.hedgeProbability())).orElse("");
    return new Outcome(latencies, serverRequests[0], learned);
  }
}
