package dev.tailguard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Scripted scenarios, exact counts. */
class TailguardMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FakeClock clock = new FakeClock();
  private final TailguardMetrics metrics = TailguardMetrics.of(registry, "backend");

  private double count(String meter, String... tags) {
    return registry.get(meter).tag("name", "backend").tags(tags).counter().count();
  }

  @Test
  void countsARetriedCall() throws Exception {
    Retry retry = Retry.of(metrics.instrument(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ofMillis(10)))).build(), clock, clock);
    AtomicInteger attempt = new AtomicInteger();
    OutcomeHandler<String> handler = OutcomeHandler.<String>builder()
        .classifier((r, e) -> e != null || r.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS).build();
    String result = retry.execute(() -> {
      int n = attempt.incrementAndGet();
      if (n == 1) {
        throw new IOException("reset");
      }
      return n == 2 ? "503" : "200";
    }, handler);
    assertThat(result).isEqualTo("200");
    assertThat(count("tailguard.calls", "outcome", "success")).isEqualTo(1);
    assertThat(count("tailguard.calls", "outcome", "gave_up")).isZero();
    assertThat(count("tailguard.attempts", "kind", "first")).isEqualTo(1);
    assertThat(count("tailguard.attempts", "kind", "retry")).isEqualTo(2);
    assertThat(registry.get("tailguard.retry_delay").timer().count()).isEqualTo(2);
    assertThat(registry.get("tailguard.retry_delay").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(20);
    assertThat(count("tailguard.discarded", "reason", "retried")).as("the 503 was released").isEqualTo(1);
  }

  @Test
  void countsHedgesSentAndWon() {
    Hedge hedge = Hedge.of(metrics.instrument(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10)))).build(), clock, clock);
    for (int call = 0; call < 3; call++) {
      boolean slowPrimary = call < 2;
      int[] n = {0};
      CompletableFuture<String> result = hedge.executeAsync(() -> {
        CompletableFuture<String> f = new CompletableFuture<>();
        long ms = n[0]++ == 0 && slowPrimary ? 100 : 5;
        clock.schedule(() -> f.complete("ok"), Duration.ofMillis(ms));
        return f;
      });
      clock.runUntilIdle();
      assertThat(result).isCompletedWithValue("ok");
    }
    assertThat(count("tailguard.calls", "outcome", "success")).isEqualTo(3);
    assertThat(count("tailguard.attempts", "kind", "first")).isEqualTo(3);
    assertThat(count("tailguard.attempts", "kind", "hedge")).isEqualTo(2);
    assertThat(count("tailguard.hedges")).isEqualTo(2);
    assertThat(count("tailguard.hedges.won")).isEqualTo(2);
  }

  @Test
  void tracksTheBreakersStateTransitionsAndRejections() {
    CircuitBreaker breaker = metrics.bind(CircuitBreaker.of(
        metrics.instrument(CircuitBreakerConfig.builder("backend").countWindow(2).minimumCalls(2)).build(), clock));
    assertThat(registry.get("tailguard.breaker.state").tag("state", "closed").gauge().value()).isEqualTo(1);
    breaker.tryAcquire().onFailure();
    breaker.tryAcquire().onFailure();
    assertThat(breaker.tryAcquire()).isNull();
    assertThat(registry.get("tailguard.breaker.state").tag("state", "open").gauge().value()).isEqualTo(1);
    assertThat(registry.get("tailguard.breaker.state").tag("state", "closed").gauge().value()).isZero();
    assertThat(count("tailguard.breaker.transitions", "from", "closed", "to", "open")).isEqualTo(1);
    assertThat(count("tailguard.breaker.rejections")).isEqualTo(1);
  }

  @Test
  void tracksBudgetDenialsAndLevel() {
    RetryBudget budget = metrics.bind(metrics.instrument(RetryBudget.tokenBucket().maxTokens(4)).build());
    assertThat(registry.get("tailguard.budget.level").gauge().value()).isEqualTo(4);
    budget.record(Verdict.RETRYABLE);
    budget.record(Verdict.RETRYABLE);
    assertThat(budget.admit(2)).isFalse();
    assertThat(budget.admit(2)).isFalse();
    assertThat(registry.get("tailguard.budget.level").gauge().value()).isEqualTo(2);
    assertThat(count("tailguard.budget.denials")).isEqualTo(2);
  }

  @Test
  void tracksTheConcurrencyLimitInFlightAndRefusals() {
    ConcurrencyLimit limit = metrics.bind(metrics.instrument(ConcurrencyLimit.fixed(2).clock(clock).scheduler(clock)).build());
    assertThat(registry.get("tailguard.concurrency_limit.limit").gauge().value()).isEqualTo(2);
    long first = limit.tryAcquire();
    long second = limit.tryAcquire();
    assertThat(registry.get("tailguard.concurrency_limit.in_flight").gauge().value()).isEqualTo(2);
    assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.REFUSED);
    assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.REFUSED);
    assertThat(count("tailguard.concurrency_limit.refusals", "waited", "false")).isEqualTo(2);
    assertThat(count("tailguard.concurrency_limit.refusals", "waited", "true")).isZero();
    limit.onSuccess(first);
    limit.onIgnored(second);
    assertThat(registry.get("tailguard.concurrency_limit.in_flight").gauge().value()).isZero();
  }

  @Test
  void countsAdaptiveLimitChangesByDirection() {
    ConcurrencyLimit limit = metrics.bind(metrics.instrument(ConcurrencyLimit.vegas().initialLimit(10)
        .window(Duration.ofMillis(10), 1).clock(clock).scheduler(clock)).build());
    // Each window with a dropped attempt multiplies the limit by 0.9: 10 -> 9.
    for (int i = 0; i < 2; i++) {
      long ticket = limit.tryAcquire();
      clock.advance(Duration.ofMillis(20));
      limit.onDropped(ticket);
    }
    assertThat(registry.get("tailguard.concurrency_limit.limit").gauge().value()).isEqualTo(9);
    assertThat(count("tailguard.concurrency_limit.changes", "direction", "down")).isEqualTo(1);
    assertThat(count("tailguard.concurrency_limit.changes", "direction", "up")).isZero();
  }
}
