package dev.tailguard.functional;

import static dev.tailguard.functional.ScriptedCall.Step.fail;
import static dev.tailguard.functional.ScriptedCall.Step.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.Fallback;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Composed scenarios (fallback → retry or hedge → breaker → timeout → call), each run through
 * {@code execute} and {@code executeAsync}: same outcome, same attempt timings, same breaker view.
 */
class PipelineParityTest {
  private static final RetryPolicy RETRY_3 = RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build();

  /** What one path observed. */
  private static List<Object> run(boolean sync, Function<FakeClock, CircuitBreaker> breakerFor,
      Function<Pipeline.Builder, Pipeline.Builder> configure, Fallback<String> fallback, ScriptedCall.Step... steps) throws Exception {
    FakeClock clock = new FakeClock();
    CircuitBreaker breaker = breakerFor.apply(clock);
    Pipeline pipeline = configure.apply(Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)).build();
    ScriptedCall call = new ScriptedCall(clock, steps);
    String outcome;
    if (sync) {
      try {
        outcome = "returned " + (fallback == null ? pipeline.execute(call.sync(), OutcomeHandler.defaults()) : pipeline.execute(call.sync(), OutcomeHandler.defaults(), fallback));
      } catch (Exception e) {
        outcome = "threw " + e.getClass().getSimpleName();
      }
    } else {
      CompletableFuture<String> future = fallback == null
          ? pipeline.executeAsync(call.async(), OutcomeHandler.defaults())
          : pipeline.executeAsync(call.async(), OutcomeHandler.defaults(), fallback);
      clock.runUntilIdle();
      try {
        outcome = "returned " + future.get();
      } catch (ExecutionException e) {
        outcome = "threw " + e.getCause().getClass().getSimpleName();
      }
    }
    clock.runUntilIdle();
    clock.assertNoPendingTasks();
    return List.of(outcome, call.attemptStartsMillis, breaker.state(), String.valueOf(breaker.failureRate()));
  }

  private static List<Object> both(Function<FakeClock, CircuitBreaker> breakerFor, Function<Pipeline.Builder, Pipeline.Builder> configure,
      Fallback<String> fallback, ScriptedCall.Step... steps) throws Exception {
    List<Object> sync = run(true, breakerFor, configure, fallback, steps);
    List<Object> async = run(false, breakerFor, configure, fallback, steps);
    assertThat(async).as("async must match sync").isEqualTo(sync);
    return sync;
  }

  private static Function<FakeClock, CircuitBreaker> breaker(int minimumCalls) {
    return clock -> CircuitBreaker.of(CircuitBreakerConfig.builder("backend").countWindow(10).minimumCalls(minimumCalls).build(), clock);
  }

  @Test
  void theBreakerSeesEveryAttemptOfARetriedCall() throws Exception {
    List<Object> observed = both(breaker(3), b -> b.retry(RETRY_3), null,
        fail(5, () -> new IOException("a")), fail(5, () -> new IOException("b")), fail(5, () -> new IOException("c")));
    assertThat(observed.get(0)).isEqualTo("threw RetriesExhaustedException");
    assertThat(observed.get(2)).as("3 failed attempts in a window of minimum 3").isEqualTo(CircuitState.OPEN);
  }

  @Test
  void anOpenCircuitEndsTheCallWithoutRetryingAndTheFallbackAnswers_resilience4j920() throws Exception {
    Function<FakeClock, CircuitBreaker> open = clock -> {
      CircuitBreaker b = breaker(1).apply(clock);
      b.transitionToOpen();
      return b;
    };
    List<Object> noFallback = both(open, b -> b.retry(RETRY_3), null, ok(5, "unreached"));
    assertThat(noFallback.get(0)).isEqualTo("threw CircuitOpenException");
    assertThat((List<?>) noFallback.get(1)).as("the call never ran").isEmpty();
    List<Object> withFallback = both(open, b -> b.retry(RETRY_3), Fallback.of("cached").on(Fallback.Trigger.CIRCUIT_OPEN), ok(5, "unreached"));
    assertThat(withFallback.get(0)).isEqualTo("returned cached");
  }

  @Test
  void aTimedOutAttemptCountsAsAFailureAndIsRetried() throws Exception {
    List<Object> observed = both(breaker(2), b -> b.retry(RETRY_3).timeout(Timeout.of(Duration.ofMillis(30)).withInterrupt()), null,
        ok(50, "too slow"), ok(5, "fast"));
    assertThat(observed.get(0)).isEqualTo("returned fast");
    assertThat(observed.get(1)).isEqualTo(List.of(0L, 40L));
    assertThat(observed.get(2)).as("one timeout and one success is a 50% failure rate: the breaker opens").isEqualTo(CircuitState.OPEN);
  }

  @Test
  void aFallbackAnswersOnlyTheTriggersItWasGiven() throws Exception {
    ScriptedCall.Step[] failing = {fail(5, () -> new IOException("a")), fail(5, () -> new IOException("b")), fail(5, () -> new IOException("c"))};
    assertThat(both(breaker(10), b -> b.retry(RETRY_3), Fallback.<String>from(e -> "degraded").on(Fallback.Trigger.RETRIES_EXHAUSTED), failing).get(0))
        .isEqualTo("returned degraded");
    assertThat(both(breaker(10), b -> b.retry(RETRY_3), Fallback.of("cached").on(Fallback.Trigger.CIRCUIT_OPEN), failing).get(0))
        .isEqualTo("threw RetriesExhaustedException");
  }

  @Test
  void aBudgetDenialIsAFallbackTrigger() throws Exception {
    Function<Pipeline.Builder, Pipeline.Builder> budgeted = b -> {
      RetryBudget empty = RetryBudget.tokenBucket().maxTokens(2).build();
      empty.record(Verdict.RETRYABLE);
      return b.retry(RETRY_3.toBuilder().admission(empty).build());
    };
    List<Object> observed = both(breaker(10), budgeted, Fallback.of("shed").on(Fallback.Trigger.BUDGET_DENIED), fail(5, () -> new IOException("a")), ok(5, "unreached"));
    assertThat(observed.get(0)).isEqualTo("returned shed");
    assertThat((List<?>) observed.get(1)).hasSize(1);
  }

  @Test
  void aHedgeLoserIsReleasedNotCountedAsAFailure() throws Exception {
    FakeClock clock = new FakeClock();
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").countWindow(10).minimumCalls(1).build(), clock);
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build()).build();
    for (int i = 0; i < 20; i++) {
      ScriptedCall call = new ScriptedCall(clock, ok(100, "slow primary"), ok(5, "hedge"));
      CompletableFuture<String> result = pipeline.executeAsync(call.async(), OutcomeHandler.defaults());
      clock.runUntilIdle();
      assertThat(result.get()).isEqualTo("hedge");
    }
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(breaker.failureRate()).as("20 winners, 20 released losers").isZero();
    clock.assertNoPendingTasks();
  }

  @Test
  void cancellingAComposedCallKillsTheAttemptAndReleasesItsPermit() {
    FakeClock clock = new FakeClock();
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").countWindow(10).minimumCalls(1).build(), clock);
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).retry(RETRY_3)
        .timeout(Timeout.of(Duration.ofSeconds(1))).build();
    ScriptedCall call = new ScriptedCall(clock, ok(500, "never seen"));
    CompletableFuture<String> result = pipeline.executeAsync(call.async(), OutcomeHandler.defaults(), Fallback.of("fallback"));
    result.cancel(true);
    assertThat(Hedge.isKilled(result.handle((r, e) -> e).join())).isTrue();
    assertThat(call.futures.get(0)).isCancelled();
    clock.runUntilIdle();
    assertThat(breaker.failureRate()).as("the cancelled attempt was released, not counted").isNaN();
    clock.assertNoPendingTasks();
  }

  @Test
  void anAsyncTimeoutCancelsTheUnderlyingStageAndRunsItsCancelHooks() throws Exception {
    FakeClock clock = new FakeClock();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).timeout(Timeout.of(Duration.ofMillis(30))).build();
    CompletableFuture<String> backend = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicInteger hooks = new java.util.concurrent.atomic.AtomicInteger();
    CompletableFuture<String> result = pipeline.executeAsync(context -> {
      context.onCancel(hooks::incrementAndGet);
      return backend;
    }, OutcomeHandler.defaults());
    clock.advance(Duration.ofMillis(30));
    // No retry was asked for: the attempt's timeout is the call's outcome, unwrapped.
    assertThat(result.handle((r, e) -> e).get()).isInstanceOf(dev.tailguard.AttemptTimeoutException.class);
    assertThat(backend).isCancelled();
    assertThat(hooks).hasValue(1);
    clock.assertNoPendingTasks();
  }

  @Test
  void onlyOneOfRetryAndHedge() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Pipeline.builder().retry(RETRY_3).hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ZERO)).build()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("a pipeline retries or hedges");
    assertThat(new CircuitOpenException("x", CircuitState.OPEN).getStackTrace()).isEmpty();
  }
}
