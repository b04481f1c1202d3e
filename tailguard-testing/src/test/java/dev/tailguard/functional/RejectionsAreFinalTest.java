package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.Retry;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 2: a {@code TailguardRejection} ends the call whatever the classifier says, and
 * the budget never pays for it.
 */
class RejectionsAreFinalTest {
  private final FakeClock clock = new FakeClock();
  /** The README's shape: every exception retryable. */
  private final OutcomeHandler<String> retryEverything =
      OutcomeHandler.of((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS);

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  private CircuitBreaker openBreaker() {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").build(), clock);
    breaker.transitionToOpen();
    return breaker;
  }

  private Pipeline.Builder pipeline() {
    return Pipeline.builder().clock(clock).scheduler(clock);
  }

  @Test
  void anOpenCircuitIsNotRetriedByAClassifierThatRetriesEveryException() {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(10).build();
    Pipeline pipeline = pipeline()
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ZERO)).admission(budget).build())
        .circuitBreaker(openBreaker())
        .build();
    AtomicInteger backend = new AtomicInteger();
    assertThatThrownBy(() -> pipeline.execute(attempt -> "reached " + backend.incrementAndGet(), retryEverything))
        .isInstanceOf(CircuitOpenException.class);
    assertThat(backend).hasValue(0);
    assertThat(budget.state().level()).isEqualTo(10.0);
  }

  @Test
  void anOpenCircuitIsNotRetriedAsynchronouslyEither() {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(10).build();
    Pipeline pipeline = pipeline()
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ofMillis(1))).admission(budget).build())
        .circuitBreaker(openBreaker())
        .build();
    AtomicInteger backend = new AtomicInteger();
    CompletableFuture<String> call =
        pipeline.executeAsync(attempt -> CompletableFuture.completedFuture("reached " + backend.incrementAndGet()), retryEverything);
    clock.runUntilIdle();
    assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(CircuitOpenException.class);
    assertThat(backend).hasValue(0);
    assertThat(budget.state().level()).isEqualTo(10.0);
  }

  @Test
  void anOpenCircuitEndsAHedgedCallWhateverTheClassifierSays() {
    Pipeline pipeline = pipeline()
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(5))).maxAttempts(3).build())
        .circuitBreaker(openBreaker())
        .build();
    AtomicInteger backend = new AtomicInteger();
    CompletableFuture<String> call =
        pipeline.executeAsync(attempt -> CompletableFuture.completedFuture("reached " + backend.incrementAndGet()), retryEverything);
    clock.runUntilIdle();
    assertThatThrownBy(call::get).hasCauseInstanceOf(CircuitOpenException.class);
    assertThat(backend).hasValue(0);
  }

  @Test
  void aBudgetRefusalRaisedByTheAttemptIsNotRetried() {
    // A nested layer's refusal, thrown from inside the attempt, is just as final.
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).backoff(Backoff.fixed(Duration.ZERO)).build(), clock, clock);
    AtomicInteger attempts = new AtomicInteger();
    BudgetExhaustedException refusal = new BudgetExhaustedException(2, RetryBudget.tokenBucket().build().state());
    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          throw refusal;
        }, retryEverything))
        .isSameAs(refusal);
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aDirectHedgeDoesNotRetryARejectionEither() {
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(5))).maxAttempts(3).build(), clock, clock);
    AtomicInteger attempts = new AtomicInteger();
    CircuitOpenException open = new CircuitOpenException("backend", openBreaker().state());
    CompletableFuture<String> call = hedge.executeAsync(context -> {
      attempts.incrementAndGet();
      return CompletableFuture.failedFuture(open);
    }, retryEverything);
    clock.runUntilIdle();
    assertThatThrownBy(call::get).hasCause(open);
    assertThat(attempts).hasValue(1);
  }
}
