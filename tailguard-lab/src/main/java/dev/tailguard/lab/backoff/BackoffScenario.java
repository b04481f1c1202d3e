package dev.tailguard.lab.backoff;

import dev.tailguard.Backoff;
import dev.tailguard.Jitter;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario {@code backoff}: Brooker's optimistic-concurrency simulation, comparing no backoff,
 * exponential backoff and its three jittered forms by total write calls and completion time.
 */
public final class BackoffScenario {
  static final Duration BASE = Duration.ofMillis(5);
  static final Duration CAP = Duration.ofSeconds(2);
  static final Duration NET_MEAN = Duration.ofMillis(10);
  static final Duration NET_SD = Duration.ofMillis(2);

  /** The strategies, in table order. */
  static final List<String> STRATEGIES = List.of("none", "exponential", "full", "equal", "decorrelated");

  /** Brooker's numbers from a re-run of the original simulator at 100 clients (ANCHORS A11r). */
  static final Map<String, double[]> ANCHORS_AT_100 = new LinkedHashMap<>();

  static {
    ANCHORS_AT_100.put("none", new double[] {2422, 2000});
    ANCHORS_AT_100.put("exponential", new double[] {1861, 63600});
    ANCHORS_AT_100.put("full", new double[] {795, 4900});
    ANCHORS_AT_100.put("equal", new double[] {813, 6600});
    ANCHORS_AT_100.put("decorrelated", new double[] {1000, 4600});
  }

  private final List<Integer> clientCounts;
  private final int runs;
  private final long seed;

  public BackoffScenario(List<Integer> clientCounts, int runs, long seed) {
    if (clientCounts.isEmpty() || clientCounts.stream().anyMatch(c -> c < 1)) {
      throw new IllegalArgumentException("clients must be positive numbers: " + clientCounts);
    }
    if (runs < 1) {
      throw new IllegalArgumentException("runs must be >= 1: " + runs);
    }
    this.clientCounts = List.copyOf(clientCounts);
    this.runs = runs;
    this.seed = seed;
  }

  /**
   * The backoff for a strategy. The simulator's {@code expo(n) = min(cap, base·2^n)} counts its
   * first retry as n = 1, so its first delay is 2·base: our exponential starts at 2·base.
   * Decorrelated jitter grows from the base itself.
   */
  static Backoff backoff(String strategy) {
    Backoff exponential = Backoff.exponential(BASE.multipliedBy(2), CAP);
    switch (strategy) {
      case "none":
        return Backoff.none();
      case "exponential":
        return exponential;
      case "full":
        return exponential.withJitter(Jitter.full());
      case "equal":
        return exponential.withJitter(Jitter.equal());
      case "decorrelated":
        return Backoff.exponential(BASE, CAP).withJitter(Jitter.decorrelated());
      default:
        throw new IllegalArgumentException("unknown strategy: " + strategy);
    }
  }

  public ScenarioResult run(Progress progress) throws Exception {
    ScenarioResult result =
        new ScenarioResult("backoff")
            .param("clients", clientCounts)
            .param("runs", runs)
            .param("seed", seed)
            .param("baseMs", BASE.toMillis())
            .param("capMs", CAP.toMillis())
            .param("networkDelay", "|Normal(" + NET_MEAN.toMillis() + " ms, sd " + NET_SD.toMillis() + " ms)| per message");
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Map<String, Map<Integer, double[]>> means = new LinkedHashMap<>();
      for (int clients : clientCounts) {
        for (int s = 0; s < STRATEGIES.size(); s++) {
          String strategy = STRATEGIES.get(s);
          List<Future<OccSimulation.Outcome>> outcomes = new ArrayList<>();
          for (int r = 0; r < runs; r++) {
            // Each run has its own seeded stream, so results do not depend on thread scheduling.
            long runSeed = mix(seed, clients, s, r);
            outcomes.add(pool.submit(() -> {
              OccSimulation.Outcome outcome =
                  OccSimulation.run(clients, backoff(strategy), new SplittableRandom(runSeed), NET_MEAN, NET_SD);
              progress.step();
              return outcome;
            }));
          }
          double calls = 0;
          double completionMs = 0;
          for (Future<OccSimulation.Outcome> outcome : outcomes) {
            calls += outcome.get().writeCalls;
            completionMs += outcome.get().completionNanos / 1e6;
          }
          double[] mean = {calls / runs, completionMs / runs};
          means.computeIfAbsent(strategy, k -> new LinkedHashMap<>()).put(clients, mean);
          result.row(Row.of("strategy", strategy).with("clients", clients).with("calls", Row.round1(mean[0])).with("completionMs", Row.round1(mean[1])).build());
        }
      }
      addAnchorsAndChecks(result, means);
    } finally {
      pool.shutdownNow();
    }
    return result;
  }

  private void addAnchorsAndChecks(ScenarioResult result, Map<String, Map<Integer, double[]>> means) {
    for (Map.Entry<String, double[]> anchor : ANCHORS_AT_100.entrySet()) {
      result.anchor(
          Row.of("source", "Brooker 2015, re-run of aws-arch-backoff-simulator")
              .with("strategy", anchor.getKey())
              .with("clients", 100)
              .with("calls", anchor.getValue()[0])
              .with("completionMs", anchor.getValue()[1])
              .build());
    }
    if (!clientCounts.contains(100)) {
      result.note("The anchors are for 100 clients; run with --clients including 100 to check them.");
      return;
    }
    for (Map.Entry<String, double[]> anchor : ANCHORS_AT_100.entrySet()) {
      double ours = means.get(anchor.getKey()).get(100)[0];
      double theirs = anchor.getValue()[0];
      double deviation = (ours - theirs) / theirs;
      result.check(
          anchor.getKey() + " calls within 10% of anchor at 100 clients",
          Math.abs(deviation) <= 0.10,
          String.format("%.1f vs %.0f (%+.1f%%)", ours, theirs, 100 * deviation));
    }
    double exponential = means.get("exponential").get(100)[1];
    double slowestOther = 0;
    for (String strategy : STRATEGIES) {
      if (!strategy.equals("exponential")) {
        slowestOther = Math.max(slowestOther, means.get(strategy).get(100)[1]);
      }
    }
    result.check(
        "exponential without jitter is the slowest to complete by more than 5x at 100 clients",
        exponential > 5 * slowestOther,
        String.format("%.0f ms vs next slowest %.0f ms (%.1fx)", exponential, slowestOther, exponential / slowestOther));
    double[] full = means.get("full").get(100);
    double[] plain = means.get("exponential").get(100);
    result.headline("full jitter: write calls at 100 clients", String.format("%.0f", full[0]),
        String.format("%.0f (Brooker 2015)", ANCHORS_AT_100.get("full")[0]));
    result.note(String.format(
        "Jitter cuts the work: at 100 clients full jitter makes %.0f%% of the write calls of plain exponential backoff and finishes %.1fx sooner.",
        100 * full[0] / plain[0], plain[1] / full[1]));
    result.note("Unjittered exponential backoff keeps clients that collided in lock step, so they collide again at every step until the 2 s cap spreads them out.");
  }

  private static long mix(long seed, int clients, int strategy, int run) {
    long h = seed * 0x9E3779B97F4A7C15L;
    h ^= clients * 0xC2B2AE3D27D4EB4FL;
    h ^= strategy * 0x165667B19E3779F9L;
    h ^= run * 0xD6E8FEB86659FD93L;
    return h;
  }
}
