package dev.tailguard.lab.whatif;

import dev.tailguard.lab.Percentiles;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.hedge.HedgeSimulation;
import dev.tailguard.lab.hedge.HedgeSimulation.AttemptLatency;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario {@code whatif}: the user's latency distribution replayed through the real engines in
 * virtual time ({@link HedgeSimulation#replay}), one run per strategy, each beside the no-hedging
 * row. Attempts draw their latency from the distribution; with correlation c, a share c of calls
 * send hedges and retries that take exactly as long as their primary (the slowness is in the
 * request, not the replica), the rest draw independently.
 */
final class WhatifScenario {
  private final Resampler distribution;
  private final List<Strategy> strategies;
  private final int requests;
  private final double ratePerSecond;
  private final double correlation;
  private final Double retryBudget;
  private final long seed;

  WhatifScenario(Resampler distribution, List<Strategy> strategies, int requests, double ratePerSecond, double correlation, Double retryBudget, long seed) {
    this.distribution = distribution;
    this.strategies = List.copyOf(strategies);
    this.requests = requests;
    this.ratePerSecond = ratePerSecond;
    this.correlation = correlation;
    this.retryBudget = retryBudget;
    this.seed = seed;
  }

  ScenarioResult run(Progress progress) throws Exception {
    ScenarioResult result = new ScenarioResult("whatif")
        .param("requests", requests)
        .param("ratePerSecond", ratePerSecond)
        .param("correlation", correlation)
        .param("retryBudget", retryBudget == null ? "none" : retryBudget)
        .param("seed", seed);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<HedgeSimulation.Outcome>> outcomes = new ArrayList<>();
      for (int i = 0; i < strategies.size(); i++) {
        Strategy strategy = strategies.get(i);
        long runSeed = seed * 1_000_003L + i;
        outcomes.add(pool.submit(() -> {
          HedgeSimulation.Outcome outcome = HedgeSimulation.replay(latency(), (clock, random) -> strategy.engine(clock, random, retryBudget),
              requests, ratePerSecond, runSeed);
          progress.step();
          return outcome;
        }));
      }
      double noneP999 = Double.NaN;
      for (int i = 0; i < strategies.size(); i++) {
        Strategy strategy = strategies.get(i);
        HedgeSimulation.Outcome outcome = outcomes.get(i).get();
        double[] succeeded = outcome.successLatenciesMs();
        result.latencies("whatif", strategy.label, succeeded);
        Percentiles p = new Percentiles(succeeded);
        if (strategy.kind.equals("none")) {
          noneP999 = p.at(0.999);
        }
        result.row(row(strategy, outcome, p, noneP999));
      }
    } finally {
      pool.shutdownNow();
    }
    result.note("Every row runs the real engine of tailguard-core (Hedge, or Retry for retry-timeout) on a FakeClock: "
        + requests + " calls arriving Poisson at " + (long) ratePerSecond + "/s of virtual time, each attempt taking a latency drawn from your distribution.");
    result.note(correlation == 0
        ? "Attempts are independent (correlation 0): a hedge's latency does not depend on its primary's. If slowness is in the request "
            + "(a big query is slow on every replica), try --correlation to see how much of the gain that assumption carries."
        : String.format("Correlation %.2f: in that share of calls every hedge and retry takes exactly as long as the primary; the others draw independently.", correlation));
    result.note("extraLoad is attempts sent beyond one per call, over calls. Percentiles are over calls that succeeded; 'failed' counts calls that "
        + "ended in an error (a retry-timeout call whose every attempt timed out, or whose retry the budget refused).");
    return result;
  }

  /** Each run's attempt latencies, with its own memory of primaries for the correlated share. */
  private AttemptLatency latency() {
    double[] primary = new double[requests];
    boolean[] shared = new boolean[requests];
    return (call, attempt, serverRequest, random) -> {
      if (attempt == 1) {
        primary[call] = distribution.sample(random);
        shared[call] = correlation > 0 && random.nextDouble() < correlation;
        return primary[call];
      }
      return shared[call] ? primary[call] : distribution.sample(random);
    };
  }

  private static Map<String, Object> row(Strategy strategy, HedgeSimulation.Outcome outcome, Percentiles p, double noneP999) {
    int calls = outcome.latenciesMs.length;
    double p999 = p.at(0.999);
    return Row.of("strategy", strategy.label)
        .with("kind", strategy.kind)
        .with("quantile", strategy.quantile)
        .with("budget", strategy.budget)
        .with("n", strategy.attempts)
        .with("extraLoad", Math.round(10_000.0 * (outcome.attempts - calls) / calls) / 10_000.0)
        .with("p50Ms", Percentiles.round2(p.at(0.50)))
        .with("p99Ms", Percentiles.round2(p.at(0.99)))
        .with("p999Ms", Percentiles.round2(p999))
        .with("p999VsNone", Double.isNaN(noneP999) ? null : Math.round(100.0 * p999 / noneP999) / 100.0)
        .with("failed", outcome.failures)
        .with("learned", strategy.kind.equals("adaptive") || strategy.kind.equals("optimal") ? outcome.learned : "")
        .build();
  }
}
