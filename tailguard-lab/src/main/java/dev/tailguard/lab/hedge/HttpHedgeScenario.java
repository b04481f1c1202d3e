package dev.tailguard.lab.hedge;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.ResilientHttpClient;
import dev.tailguard.lab.MachineFacts;
import dev.tailguard.lab.PairedRounds;
import dev.tailguard.lab.Percentiles;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.lab.StallMeter;
import dev.tailguard.lab.WallClockCheck;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario {@code http-hedge}: the same hedging as {@code hedge}, on the wall clock, over real
 * HTTP on loopback, through {@link ResilientHttpClient}. It shows what survives contact with a
 * real network stack, thread scheduling and connection handling, and that cancelled hedges leave
 * no exchange open.
 */
public final class HttpHedgeScenario {
  /** How long handlers of cancelled attempts get to finish their sleep before open exchanges are counted. */
  private static final Duration SETTLE = Duration.ofSeconds(5);
  /**
   * The adaptive delay's refresh. Finagle's 3 s would leave the first ~3,500 requests of a
   * 15-second row unhedged, and their slow mode alone would set the row's p99.9.
   */
  private static final Duration ADAPTIVE_REFRESH = Duration.ofMillis(500);
  /** Unmeasured requests per code path before the first row. */
  private static final int WARM_UP_REQUESTS = 4_000;
  /**
   * A wake-up of the stall meter this much late marks a stall: every request in flight then waited
   * as long, whatever its strategy. Half of brpc's backup bar (0.5 x 20 ms), so a stall too short to
   * be counted cannot move a verdict on its own.
   */
  static final double STALL_MS = 5.0;
  /** Above this share of a row's requests caught in stalls, the ratio checks cannot tell. */
  static final double STALLED_SHARE_BAR = 0.2;

  private final int requests;
  private final int callers;
  private final int rounds;
  private final long seed;
  /** One client per strategy, kept across its rounds: an adaptive delay keeps what it learned. */
  private final Map<String, ResilientHttpClient> clients = new HashMap<>();
  /** The rows to run; built once, as the fixed delays need a million-sample quantile per model. */
  private List<Run> plan;
  /** Running during {@link #run}: which requests were in flight while the JVM stood still. */
  private StallMeter stalls;

  public HttpHedgeScenario(int requests, int callers, int rounds, long seed) {
    this.requests = requests;
    this.callers = callers;
    this.rounds = rounds;
    this.seed = seed;
  }

  /** One strategy on one model: how to build the client for it. */
  private record Run(String model, LatencyModel latency, String strategy, ResilientHttpClient.Builder client) {}

  List<Run> plan() {
    if (plan == null) {
      plan = buildPlan();
    }
    return plan;
  }

  private List<Run> buildPlan() {
    List<Run> runs = new ArrayList<>();
    runs.addAll(strategies("bimodal", LatencyModel.BIMODAL));
    runs.addAll(strategies("brpc", LatencyModel.BRPC));
    runs.add(new Run("brpc", LatencyModel.BRPC, "fixed-2ms", ResilientHttpClient.builder()
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(2))).build())));
    return runs;
  }

  private List<Run> strategies(String model, LatencyModel latency) {
    Duration p95 = millis(HedgeScenario.sampleQuantiles(latency, seed, 0.95)[0]);
    return List.of(
        new Run(model, latency, "none", ResilientHttpClient.builder()),
        new Run(model, latency, "retry-timeout", ResilientHttpClient.builder()
            .retry(RetryPolicy.builder().maxAttempts(3).perAttemptTimeout(p95).backoff(Backoff.none()).build())),
        new Run(model, latency, "fixed", ResilientHttpClient.builder()
            .hedge(HedgePolicy.builder(HedgeDelay.fixed(p95)).build())),
        new Run(model, latency, "adaptive", ResilientHttpClient.builder()
            .hedge(HedgePolicy.builder(HedgeDelay.adaptive(0.05).refresh(ADAPTIVE_REFRESH).build()).build())));
  }

  public ScenarioResult run(Progress progress) throws Exception {
    ScenarioResult result = new ScenarioResult("http-hedge")
        .param("requests", requests)
        .param("callers", callers)
        .param("rounds", rounds)
        .param("seed", seed)
        .param("server", "JDK HttpServer on 127.0.0.1, unbounded executor; handler sleeps per the model")
        .param("clock", "wall clock: real HTTP/1.1 over loopback through ResilientHttpClient")
        .param("interleaving", "each model's strategies run in " + rounds + " rounds of requests/rounds each, in forward order in even rounds and reverse order in odd ones")
        .param("retry-timeout", "per-attempt timeout at the model's p95, up to 3 attempts, no backoff")
        .param("fixed", "hedge at the model's p95 (budget 0.05)")
        .param("adaptive", "hedge at the p95 of a 30 s window, refreshed every 0.5 s (budget 0.05)");
    result.param("stalls", "a request in flight while this JVM stood still for more than " + STALL_MS
        + " ms (a GC or other safepoint, or no CPU from the machine; a 1 ms sleeper thread woke that late) is counted in 'stalled'"
        + " and left out of the ratio checks, which compare the requests clear of stalls");
    MachineFacts.addTo(result);
    try (StallMeter meter = StallMeter.start(STALL_MS)) {
      stalls = meter;
      measureAll(result, progress);
      result.note(String.format("The stall meter saw %d stalls over %.1f ms, the longest %.1f ms.", meter.stalls(), STALL_MS, meter.longestMillis()));
    } finally {
      stalls = null;
    }
    return result;
  }

  private void measureAll(ScenarioResult result, Progress progress) throws Exception {
    warmUp();
    Map<String, Measured> measured = new LinkedHashMap<>();
    Map<String, Map<String, Object>> machineByModel = new LinkedHashMap<>();
    for (String model : models()) {
      List<Run> runs = plan().stream().filter(run -> run.model().equals(model)).toList();
      MachineFacts.Snapshot start = MachineFacts.now();
      for (int round = 0; round < rounds; round++) {
        int chunk = requests / rounds + (round < requests % rounds ? 1 : 0);
        List<Run> order = new ArrayList<>(runs);
        if (round % 2 == 1) {
          // Reverse order in odd rounds: every strategy sits at the same mean position, so a drifting load moves all alike.
          Collections.reverse(order);
        }
        for (Run run : order) {
          measured.computeIfAbsent(key(run), k -> new Measured(run, rounds)).add(round, measure(run, progress, chunk, round));
        }
      }
      machineByModel.put(model, MachineFacts.between(start, MachineFacts.now()));
    }
    for (Measured m : measured.values()) {
      result.row(m.row(requests));
      result.latencies(m.run.model(), m.run.strategy(), m.pooled());
    }
    checks(result, measured, machineByModel);
    result.note("Latencies are wall-clock. Each model's strategies alternate in " + rounds + " rounds, so the ratio checks compare a strategy with the baseline measured beside it; "
        + "their 95% intervals come from resampling whole rounds, and a check says INCONCLUSIVE, with the reason, when the interval straddles its bar or the machine was too busy to tell.");
    result.note("The brpc model counts requests per caller, as brpc's one-client example does, so a backup is the caller's next (odd, fast) request.");
    result.note("extraLoad counts what the server received, hedges and retries included, over the callers' requests.");
    result.note("A stall (a GC pause, a safepoint, or the machine giving the lab no CPU) holds every request in flight, all 16 callers' at once, "
        + "so one stall puts 16 samples in a row's tail whatever its strategy: the rows show every request, the ratio checks only those clear of stalls.");
    machineByModel.forEach((model, facts) -> result.note("machine during the " + model + " rounds: " + facts));
  }

  private List<String> models() {
    return plan().stream().map(Run::model).distinct().toList();
  }

  private static String key(Run run) {
    return run.model() + "/" + run.strategy();
  }

  /** One chunk of one strategy in one round. */
  private record Chunk(double[] latencies, boolean[] stalled, long serverRequests, int failures, int open) {}

  /** A strategy's chunks, one per round. */
  private static final class Measured {
    final Run run;
    final List<double[]> sortedRounds = new ArrayList<>();
    /** Per round, the latencies of the requests clear of stalls, sorted. */
    final List<double[]> clearRounds = new ArrayList<>();
    int stalled;
    final long[] sent;
    final long[] extra;
    int failures;
    int open;

    Measured(Run run, int rounds) {
      this.run = run;
      this.sent = new long[rounds];
      this.extra = new long[rounds];
      for (int r = 0; r < rounds; r++) {
        sortedRounds.add(new double[0]);
        clearRounds.add(new double[0]);
      }
    }

    void add(int round, Chunk chunk) {
      double[] sorted = chunk.latencies().clone();
      Arrays.sort(sorted);
      sortedRounds.set(round, sorted);
      double[] clear = new double[chunk.latencies().length];
      int n = 0;
      for (int i = 0; i < clear.length; i++) {
        if (chunk.stalled()[i]) {
          stalled++;
        } else {
          clear[n++] = chunk.latencies()[i];
        }
      }
      clear = Arrays.copyOf(clear, n);
      Arrays.sort(clear);
      clearRounds.set(round, clear);
      sent[round] = chunk.latencies().length;
      extra[round] = chunk.serverRequests() - chunk.latencies().length;
      failures += chunk.failures();
      open += chunk.open();
    }

    double[] pooled() {
      return sortedRounds.stream().flatMapToDouble(Arrays::stream).toArray();
    }

    Map<String, Object> row(int requests) {
      Percentiles p = new Percentiles(pooled());
      long serverRequests = Arrays.stream(sent).sum() + Arrays.stream(extra).sum();
      return Row.of("model", run.model())
          .with("strategy", run.strategy())
          .with("requests", requests)
          .with("rounds", sent.length)
          .with("serverRequests", serverRequests)
          .with("extraLoad", Math.round(10_000.0 * (serverRequests - requests) / requests) / 10_000.0)
          .with("p50Ms", Percentiles.round2(p.at(0.50)))
          .with("p90Ms", Percentiles.round2(p.at(0.90)))
          .with("p99Ms", Percentiles.round2(p.at(0.99)))
          .with("p999Ms", Percentiles.round2(p.at(0.999)))
          .with("maxMs", Percentiles.round2(p.max()))
          .with("stalled", stalled)
          .with("p999ClearMs", Percentiles.round2(new Percentiles(clearRounds.stream().flatMapToDouble(Arrays::stream).toArray()).at(0.999)))
          .with("failures", failures)
          .with("openExchanges", open)
          .build();
    }
  }

  /**
   * Sends a few thousand requests through every code path first, unmeasured. On a two-core
   * machine the JIT compiling the HTTP stack otherwise takes most of the CPU during the first
   * rows and puts its pauses into their tails.
   */
  private void warmUp() throws Exception {
    LatencyModel instant = (n, random) -> 0.0;
    Progress silent = new Progress("warm-up", 1, false);
    List<Run> warmUps = List.of(
        new Run("warm-up", instant, "none", ResilientHttpClient.builder()),
        new Run("warm-up", instant, "retry-timeout", ResilientHttpClient.builder()
            .retry(RetryPolicy.builder().maxAttempts(2).perAttemptTimeout(Duration.ofMillis(1)).backoff(Backoff.none()).build())),
        new Run("warm-up", instant, "hedge", ResilientHttpClient.builder()
            .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(1))).build())));
    for (Run run : warmUps) {
      measure(run, silent, WARM_UP_REQUESTS, 0);
    }
  }

  /** Runs one chunk of {@code requests} of one strategy against a fresh server seeded for the round. */
  private Chunk measure(Run run, Progress progress, int requests, int round) throws Exception {
    try (LatencyServer server = new LatencyServer(run.latency(), seed * 1_000 + round)) {
      ResilientHttpClient client = clients.computeIfAbsent(key(run), k -> run.client().client(
          // Completions run on the client's selector thread instead of hopping to a pool: on two cores
          // each hop costs as much as the exchange itself. Tailguard's completion code never blocks.
          HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Runnable::run).build()).build());
      double[] latencies = new double[requests];
      long[] starts = new long[requests];
      long[] ends = new long[requests];
      AtomicInteger next = new AtomicInteger();
      AtomicInteger failures = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      int stepEvery = Math.max(1, requests / Math.max(1, 100 / rounds));
      for (int c = 0; c < callers; c++) {
        HttpRequest request = HttpRequest.newBuilder(server.uri()).header(LatencyServer.CALLER_HEADER, Integer.toString(c)).build();
        Thread caller = new Thread(() -> {
          int i;
          while ((i = next.getAndIncrement()) < requests) {
            long start = System.nanoTime();
            try {
              client.send(request, BodyHandlers.ofString());
            } catch (Throwable failed) {
              // Counted, never fatal: a caller that died would leave its requests unmeasured.
              failures.incrementAndGet();
            }
            long end = System.nanoTime();
            latencies[i] = (end - start) / 1e6;
            starts[i] = start;
            ends[i] = end;
            if (i % stepEvery == 0) {
              progress.step();
            }
          }
        }, "lab-caller-" + c);
        caller.start();
        threads.add(caller);
      }
      for (Thread caller : threads) {
        caller.join();
      }
      int open = server.openExchangesAfter(SETTLE);
      boolean[] stalled = new boolean[requests];
      for (int i = 0; i < requests; i++) {
        stalled[i] = stalls != null && stalls.stalledDuring(starts[i], ends[i]);
      }
      return new Chunk(latencies, stalled, server.requests(), failures.get(), open);
    }
  }

  long steps() {
    return (long) plan().size() * rounds * Math.max(1, 100 / rounds);
  }

  /** The bimodal model's p99.9 (ANCHORS 4.3's exact oracle) and the oracle's hedge at its p95. */
  static final double BIMODAL_P999_MS = 112.8;
  static final double BIMODAL_HEDGED_P999_MS = 26.2;
  /** brpc's model: every even request sleeps 20 ms, so its p99 is 20 ms; a backup after 2 ms answers by 2.5 ms. */
  static final double BRPC_P99_MS = 20.0;
  static final double BRPC_BACKUP_P99_MS = 2.5;
  static final double ADAPTIVE_P999_RATIO_BAR = 0.35;
  static final double ADAPTIVE_EXTRA_LOAD_BAR = 0.06;
  static final double BRPC_P99_RATIO_BAR = 0.5;

  private void checks(ScenarioResult result, Map<String, Measured> measured, Map<String, Map<String, Object>> machine) {
    Measured none = measured.get("bimodal/none");
    Measured adaptive = measured.get("bimodal/adaptive");
    String bimodalBusy = WallClockCheck.either(MachineFacts.disturbance(machine.get("bimodal")), stalledTooOften(none, adaptive));
    PairedRounds.Estimate tail = PairedRounds.estimate(rounds,
        picked -> PairedRounds.pooledQuantile(adaptive.clearRounds, picked, 0.999) / PairedRounds.pooledQuantile(none.clearRounds, picked, 0.999), seed);
    double noneP999 = PairedRounds.pooledQuantile(none.clearRounds, all(), 0.999);
    WallClockCheck.atMost(result, "bimodal adaptive: p999 <= " + ADAPTIVE_P999_RATIO_BAR + " x none's, measured interleaved",
        String.format("adaptive p999 / none p999, requests clear of stalls (none %.1f ms; stalled %d and %d of %d):", noneP999, none.stalled, adaptive.stalled, requests), tail, ADAPTIVE_P999_RATIO_BAR,
        WallClockCheck.either(bimodalBusy, WallClockCheck.unresolvable("p99.9", noneP999, BIMODAL_P999_MS, BIMODAL_HEDGED_P999_MS, ADAPTIVE_P999_RATIO_BAR)));
    result.headline("bimodal adaptive: p99.9 / none's, interleaved (95% CI)",
        String.format("%.2f (%.2f-%.2f)", tail.value(), tail.low(), tail.high()),
        String.format("bar %.2f; %.2f in virtual time (exact oracle %.1f / %.1f ms)", ADAPTIVE_P999_RATIO_BAR,
            BIMODAL_HEDGED_P999_MS / BIMODAL_P999_MS, BIMODAL_HEDGED_P999_MS, BIMODAL_P999_MS));
    PairedRounds.Estimate load = PairedRounds.estimate(rounds, picked -> PairedRounds.pooledShare(adaptive.extra, adaptive.sent, picked), seed);
    WallClockCheck.atMost(result, "bimodal adaptive: extraLoad <= " + ADAPTIVE_EXTRA_LOAD_BAR, "adaptive extra requests per request:", load,
        ADAPTIVE_EXTRA_LOAD_BAR, bimodalBusy);

    Measured brpcNone = measured.get("brpc/none");
    Measured backup = measured.get("brpc/fixed-2ms");
    PairedRounds.Estimate brpc = PairedRounds.estimate(rounds,
        picked -> PairedRounds.pooledQuantile(backup.clearRounds, picked, 0.99) / PairedRounds.pooledQuantile(brpcNone.clearRounds, picked, 0.99), seed);
    double brpcNoneP99 = PairedRounds.pooledQuantile(brpcNone.clearRounds, all(), 0.99);
    WallClockCheck.atMost(result, "brpc fixed-2ms: p99 <= " + BRPC_P99_RATIO_BAR + " x none's (the 20 ms sleep gone from the tail), measured interleaved",
        String.format("fixed-2ms p99 / none p99, requests clear of stalls (none %.1f ms; stalled %d and %d of %d):", brpcNoneP99, brpcNone.stalled, backup.stalled, requests), brpc, BRPC_P99_RATIO_BAR,
        WallClockCheck.either(WallClockCheck.either(MachineFacts.disturbance(machine.get("brpc")), stalledTooOften(brpcNone, backup)),
            WallClockCheck.unresolvable("p99", brpcNoneP99, BRPC_P99_MS, BRPC_BACKUP_P99_MS, BRPC_P99_RATIO_BAR)));
    long open = measured.values().stream().mapToLong(m -> m.open).sum();
    result.check("every row ends with openExchanges = 0", open == 0, open + " exchanges still open");
  }

  /** The reason a comparison rests on too few requests clear of stalls, or null. */
  private String stalledTooOften(Measured baseline, Measured strategy) {
    for (Measured m : List.of(baseline, strategy)) {
      int total = m.sortedRounds.stream().mapToInt(r -> r.length).sum();
      if (m.stalled > STALLED_SHARE_BAR * total) {
        return String.format("%s/%s had %d of %d requests in flight during JVM stalls (above %.0f%%)",
            m.run.model(), m.run.strategy(), m.stalled, total, 100 * STALLED_SHARE_BAR);
      }
    }
    return null;
  }

  private int[] all() {
    return java.util.stream.IntStream.range(0, rounds).toArray();
  }

  private static Map<String, Object> find(ScenarioResult result, String model, String strategy) {
    return result.rows().stream().filter(r -> r.get("model").equals(model) && r.get("strategy").equals(strategy))
        .findFirst().orElseThrow(() -> new IllegalStateException("no row " + model + "/" + strategy));
  }

  private static double num(Map<String, Object> row, String key) {
    return ((Number) row.get(key)).doubleValue();
  }

  private static Duration millis(double ms) {
    return Duration.ofNanos(Math.round(ms * 1e6));
  }
}
