package dev.tailguard.lab.overload;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.Jitter;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.lab.Progress;
import dev.tailguard.lab.Row;
import dev.tailguard.lab.ScenarioResult;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario {@code overload}: a backend with fixed capacity under a load spike, and what each
 * client strategy does to it during the spike and after.
 */
public final class OverloadScenario {
  static final double CAPACITY = 1000;
  static final double REJECT_COST = 0.1;
  static final double BURST = 50;
  static final double RTT_MEAN_MS = 5;
  static final double BEFORE_S = 10;
  static final double OVERLOAD_S = 60;
  static final double AFTER_S = 60;
  static final Duration BREAKER_OPEN = Duration.ofSeconds(5);
  static final List<String> STRATEGIES =
      List.of("none", "retry-3", "retry-3+token-bucket", "retry-3+breaker", "sre-k1.1", "sre-k1.5", "sre-k2");
  static final double[] OVERLOADS = {2, 3};

  private final long seed;

  public OverloadScenario(long seed) {
    this.seed = seed;
  }

  public static int runs() {
    return STRATEGIES.size() * OVERLOADS.length;
  }

  public ScenarioResult run(Progress progress) throws Exception {
    ScenarioResult result = new ScenarioResult("overload")
        .param("capacityUnitsPerSecond", CAPACITY)
        .param("costs", "success 1 unit, rejection (retryable 503) " + REJECT_COST + " unit; burst " + (int) BURST + " units")
        .param("load", "Poisson: 0.5C for 10 s, L*C for 60 s, 0.5C for 60 s")
        .param("rtt", "Exp(mean " + (int) RTT_MEAN_MS + " ms)")
        .param("retries", "up to 4 attempts, backoff exponential 50 ms..1 s, full jitter")
        .param("breaker", "count window 100, minimum 50 calls, opens at 50% failures for " + BREAKER_OPEN.toSeconds() + " s, half-open 10 trials")
        .param("throttle", "SRE adaptive throttle on every attempt, window 10 s")
        .param("seed", seed);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<Map<String, Object>>> rows = new ArrayList<>();
      int index = 0;
      for (double overload : OVERLOADS) {
        for (String strategy : STRATEGIES) {
          long runSeed = seed * 104_729 + index++;
          rows.add(pool.submit(() -> {
            Map<String, Object> row = simulate(strategy, overload, runSeed);
            progress.step();
            return row;
          }));
        }
      }
      for (Future<Map<String, Object>> row : rows) {
        result.row(row.get());
      }
    } finally {
      pool.shutdownNow();
    }
    anchorsAndChecks(result);
    return result;
  }

  static Pipeline pipeline(String strategy, FakeClock clock, SplittableRandom random) {
    RetryPolicy.Builder retry = RetryPolicy.builder()
        .maxAttempts(strategy.equals("none") ? 1 : 4)
        .backoff(Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1)).withJitter(Jitter.full()));
    RetryAdmission admission = RetryAdmission.always();
    if (strategy.equals("retry-3+token-bucket")) {
      admission = RetryBudget.tokenBucket().maxTokens(10).tokenRatio(0.1).build();
    } else if (strategy.startsWith("sre-k")) {
      double k = Double.parseDouble(strategy.substring("sre-k".length()));
      admission = RetryBudget.adaptiveThrottle().k(k).window(Duration.ofSeconds(10)).clock(clock).random(random.split()).build();
    }
    Pipeline.Builder builder = Pipeline.builder().clock(clock).scheduler(clock).random(random.split()).retry(retry.admission(admission).build());
    if (strategy.equals("retry-3+breaker")) {
      builder.circuitBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("backend").countWindow(100).minimumCalls(50)
          .failureRateThreshold(0.5).openDuration(BREAKER_OPEN).halfOpen(10, 10, Duration.ofSeconds(5)).build(), clock));
    }
    return builder.build();
  }

  /** The backend: capacity refills at C per second up to a small burst; a rejection still costs a little. */
  private static final class Backend {
    private double credit = BURST;
    private long lastNanos;

    boolean admit(long now) {
      credit = Math.min(BURST, credit + (now - lastNanos) / 1e9 * CAPACITY);
      lastNanos = now;
      if (credit >= 1) {
        credit -= 1;
        return true;
      }
      credit = Math.max(-BURST, credit - REJECT_COST);
      return false;
    }
  }

  static Map<String, Object> simulate(String strategy, double overload, long runSeed) {
    FakeClock clock = new FakeClock();
    SplittableRandom random = new SplittableRandom(runSeed);
    Pipeline pipeline = pipeline(strategy, clock, random);
    Backend backend = new Backend();
    long overloadStart = seconds(BEFORE_S);
    long overloadEnd = seconds(BEFORE_S + OVERLOAD_S);
    long end = seconds(BEFORE_S + OVERLOAD_S + AFTER_S);
    long[] during = new long[3]; // attempts, successes, rejections at the backend during the overload
    int afterBins = (int) AFTER_S;
    long[] binRequests = new long[afterBins];
    long[] binSuccesses = new long[afterBins];
    long offeredDuringOverload = 0;
    OutcomeHandler<Boolean> handler = OutcomeHandler.defaults();
    double t = 0;
    while (true) {
      double rate = (t >= BEFORE_S && t < BEFORE_S + OVERLOAD_S ? overload : 0.5) * CAPACITY;
      t += -Math.log(1 - random.nextDouble()) / rate;
      long arrival = seconds(t);
      if (arrival >= end) {
        break;
      }
      clock.advance(Duration.ofNanos(arrival - clock.nanoTime()));
      boolean inOverload = arrival >= overloadStart && arrival < overloadEnd;
      offeredDuringOverload += inOverload ? 1 : 0;
      CompletableFuture<Boolean> call = pipeline.executeAsync(context -> {
        long now = clock.nanoTime();
        boolean served = backend.admit(now);
        if (now >= overloadStart && now < overloadEnd) {
          during[0]++;
          during[served ? 1 : 2]++;
        }
        CompletableFuture<Boolean> reply = new CompletableFuture<>();
        clock.schedule(() -> {
          if (served) {
            reply.complete(Boolean.TRUE);
          } else {
            reply.completeExceptionally(new IOException("503 overloaded"));
          }
        }, Duration.ofNanos(Math.round(-Math.log(1 - random.nextDouble()) * RTT_MEAN_MS * 1e6)));
        return reply;
      }, handler);
      if (arrival >= overloadEnd) {
        int bin = (int) ((arrival - overloadEnd) / 1_000_000_000L);
        binRequests[bin]++;
        call.whenComplete((r, e) -> binSuccesses[bin] += e == null ? 1 : 0);
      }
    }
    clock.runUntilIdle();
    double recovery = AFTER_S;
    for (int bin = 0; bin < afterBins; bin++) {
      if (binRequests[bin] > 0 && (double) binSuccesses[bin] / binRequests[bin] >= 0.95) {
        recovery = bin;
        break;
      }
    }
    return Row.of("strategy", strategy)
        .with("overload", overload)
        .with("goodput", round3(during[1] / OVERLOAD_S / CAPACITY))
        .with("backendLoad", round3((double) during[0] / offeredDuringOverload))
        .with("rejectedShare", round3(during[0] == 0 ? 0 : (double) during[2] / during[0]))
        .with("recoverySeconds", recovery)
        .build();
  }

  private static void anchorsAndChecks(ScenarioResult result) {
    result.anchor(Row.of("source", "Google SRE book, Handling Overload").with("strategy", "client-side throttling, K = 2")
        .with("rejectedShare", 0.5).with("backendLoad", "about K x accepted").build());
    result.anchor(Row.of("source", "Google SRE book, Handling Overload").with("strategy", "3 attempts per request, no budget")
        .with("rejectedShare", Double.NaN).with("backendLoad", "just below 3x in the worst case (4x counting the first)").build());

    Map<String, Object> storm = find(result, "retry-3", 2);
    result.check("at L = 2, retry-3 shows the storm (backendLoad >= 2.5)", num(storm, "backendLoad") >= 2.5,
        String.format("backendLoad %.3f, goodput %.3f", num(storm, "backendLoad"), num(storm, "goodput")));
    StringBuilder loads = new StringBuilder();
    boolean contained = true;
    for (String strategy : List.of("retry-3+token-bucket", "retry-3+breaker", "sre-k1.1", "sre-k1.5", "sre-k2")) {
      for (double overload : OVERLOADS) {
        double load = num(find(result, strategy, overload), "backendLoad");
        contained &= load <= 1.25;
        loads.append(String.format("%s@L%.0f %.3f; ", strategy, overload, load));
      }
    }
    result.check("token bucket, breaker and every SRE throttle keep backendLoad <= 1.25", contained, loads.toString().trim());
    StringBuilder goodputs = new StringBuilder();
    boolean goodput = true;
    for (String strategy : List.of("sre-k2", "retry-3+token-bucket")) {
      double g = num(find(result, strategy, 2), "goodput");
      goodput &= g >= 0.85;
      goodputs.append(String.format("%s %.3f (at L=3: %.3f); ", strategy, g, num(find(result, strategy, 3), "goodput")));
    }
    result.check("at L = 2, sre-k2 and retry-3+token-bucket keep goodput >= 0.85", goodput, goodputs.toString().trim());
    double bound = 2 * BREAKER_OPEN.toSeconds() + 1;
    StringBuilder recoveries = new StringBuilder();
    boolean recovered = true;
    for (double overload : OVERLOADS) {
      double r = num(find(result, "retry-3+breaker", overload), "recoverySeconds");
      recovered &= r <= bound;
      recoveries.append(String.format("L%.0f %.0f s; ", overload, r));
    }
    result.check(String.format("retry-3+breaker recovers within 2 x its open duration + 1 s (%.0f s)", bound), recovered, recoveries.toString().trim());
    Map<String, Object> sre2 = find(result, "sre-k2", 2);
    result.headline("sre-k2 at L = 2: rejected share (goodput)",
        String.format("%.2f (%.2f)", num(sre2, "rejectedShare"), num(sre2, "goodput")), "about 0.5: one rejection per request served (Google SRE book)");
    result.note(String.format(
        "Plain retries turn a 2x spike into %.1fx the offered load at the backend, which then spends its capacity rejecting: goodput %.2f of capacity.",
        num(storm, "backendLoad"), num(storm, "goodput")));
    result.note(String.format(
        "With SRE throttling at K = 2 the backend rejects %.0f%% of what it sees, close to the book's one rejection per request served, and goodput stays at %.2f.",
        100 * num(sre2, "rejectedShare"), num(sre2, "goodput")));
    result.note(String.format(
        "A budget that gates only retries cannot lower the first attempts: at L = 3 the backend still gets 3C of them and serves s with s + %.1f*(3C - s) = C, "
            + "so goodput is at most %.3f for none and retry-3+token-bucket alike. Only client-side throttling of first attempts (SRE) keeps it higher.",
        REJECT_COST, (1 - REJECT_COST * 3) / (1 - REJECT_COST)));
    result.note(String.format(
        "SRE throttling recovers at a speed set by K: after the spike the admitted share can only grow by a factor K per window, "
            + "so K = 1.1 keeps the backend coolest but takes %.0f s to recover at L = 2, against %.0f s for K = 2.",
        num(find(result, "sre-k1.1", 2), "recoverySeconds"), num(sre2, "recoverySeconds")));
    result.note("A breaker loses goodput while it is open (every call is refused, including ones the backend could serve), "
        + "but recovers as soon as a half-open probe succeeds; throttling keeps goodput during the spike but needs its window to age out afterwards.");
  }

  private static Map<String, Object> find(ScenarioResult result, String strategy, double overload) {
    return result.rows().stream().filter(r -> r.get("strategy").equals(strategy) && ((Number) r.get("overload")).doubleValue() == overload)
        .findFirst().orElseThrow();
  }

  private static double num(Map<String, Object> row, String key) {
    return ((Number) row.get(key)).doubleValue();
  }

  private static long seconds(double s) {
    return Math.round(s * 1e9);
  }

  private static double round3(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
