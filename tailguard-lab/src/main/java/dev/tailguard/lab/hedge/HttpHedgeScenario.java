package dev.tailguard.lab.hedge;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.ResilientHttpClient;
import dev.tailguard.lab.MachineFacts;
import dev.tailguard.lab.Percentiles;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
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

  private final int requests;
  private final int callers;
  private final long seed;
  /** The rows to run; built once, as the fixed delays need a million-sample quantile per model. */
  private List<Run> plan;

  public HttpHedgeScenario(int requests, int callers, long seed) {
    this.requests = requests;
    this.callers = callers;
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
        .param("seed", seed)
        .param("server", "JDK HttpServer on 127.0.0.1, unbounded executor; handler sleeps per the model")
        .param("clock", "wall clock: real HTTP/1.1 over loopback through ResilientHttpClient")
        .param("retry-timeout", "per-attempt timeout at the model's p95, up to 3 attempts, no backoff")
        .param("fixed", "hedge at the model's p95 (budget 0.05)")
        .param("adaptive", "hedge at the p95 of a 30 s window, refreshed every 0.5 s (budget 0.05)");
    MachineFacts.addTo(result);
    warmUp();
    for (Run run : plan()) {
      result.row(measure(run, progress, requests, result));
    }
    checks(result);
    result.note("Latencies are wall-clock and vary between runs by a few percent; the seed fixes the server's latency draws, not the machine's scheduling.");
    result.note("The brpc model counts requests per caller, as brpc's one-client example does, so a backup is the caller's next (odd, fast) request.");
    result.note("extraLoad counts what the server received, hedges and retries included, over the callers' requests.");
    return result;
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
      measure(run, silent, WARM_UP_REQUESTS, null);
    }
  }

  /** Runs one row; its latencies go to {@code curves} for the report's plots (null: warm-up). */
  private Map<String, Object> measure(Run run, Progress progress, int requests, ScenarioResult curves) throws Exception {
    try (LatencyServer server = new LatencyServer(run.latency(), seed)) {
      // Completions run on the client's selector thread instead of hopping to a pool: on two cores
      // each hop costs as much as the exchange itself. Tailguard's completion code never blocks.
      HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Runnable::run).build();
      ResilientHttpClient client = run.client().client(jdk).build();
      double[] latencies = new double[requests];
      AtomicInteger next = new AtomicInteger();
      AtomicInteger failures = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
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
            latencies[i] = (System.nanoTime() - start) / 1e6;
            if (i % Math.max(1, requests / 100) == 0) {
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
      if (curves != null) {
        curves.latencies(run.model(), run.strategy(), latencies);
      }
      Percentiles p = new Percentiles(latencies);
      return Row.of("model", run.model())
          .with("strategy", run.strategy())
          .with("requests", requests)
          .with("serverRequests", server.requests())
          .with("extraLoad", Math.round(10_000.0 * (server.requests() - requests) / requests) / 10_000.0)
          .with("p50Ms", Percentiles.round2(p.at(0.50)))
          .with("p90Ms", Percentiles.round2(p.at(0.90)))
          .with("p99Ms", Percentiles.round2(p.at(0.99)))
          .with("p999Ms", Percentiles.round2(p.at(0.999)))
          .with("maxMs", Percentiles.round2(p.max()))
          .with("failures", failures.get())
          .with("openExchanges", open)
          .build();
    }
  }

  long steps() {
    return (long) plan().size() * Math.min(100, requests);
  }

  private static void checks(ScenarioResult result) {
    Map<String, Object> none = find(result, "bimodal", "none");
    Map<String, Object> adaptive = find(result, "bimodal", "adaptive");
    double ratio = num(adaptive, "p999Ms") / num(none, "p999Ms");
    result.check("bimodal adaptive: p999Ms <= 0.35 x none's and extraLoad <= 0.06",
        ratio <= 0.35 && num(adaptive, "extraLoad") <= 0.06,
        String.format("p999 %.2f ms vs %.2f ms (%.2fx), extraLoad %.4f",
            num(adaptive, "p999Ms"), num(none, "p999Ms"), ratio, num(adaptive, "extraLoad")));
    Map<String, Object> brpc = find(result, "brpc", "fixed-2ms");
    result.check("brpc fixed-2ms: p99Ms < 20", num(brpc, "p99Ms") < 20,
        String.format("p99 %.2f ms, p999 %.2f ms, extraLoad %.4f", num(brpc, "p99Ms"), num(brpc, "p999Ms"), num(brpc, "extraLoad")));
    long open = result.rows().stream().mapToLong(row -> ((Number) row.get("openExchanges")).longValue()).sum();
    result.check("every row ends with openExchanges = 0", open == 0, open + " exchanges still open");
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
