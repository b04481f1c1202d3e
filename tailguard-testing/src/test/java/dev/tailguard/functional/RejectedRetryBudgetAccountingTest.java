package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the README's "the budget is not charged" for a {@code TailguardRejection} means exactly:
 * the budget never hears of the refused attempt's outcome (a token bucket keeps its tokens), but
 * the retry it admitted before the breaker refused that retry stays spent (a ratio budget keeps
 * the withdrawal, as Finagle's does): admission happens before the attempt, refunds do not exist.
 */
class RejectedRetryBudgetAccountingTest {
  private final FakeClock clock = new FakeClock();

  /** Attempt 1 reaches the backend and fails; the breaker then opens, so the retry is refused. */
  private void failThenRefuse(RetryBudget budget) {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").build(), clock);
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ZERO)).admission(budget).build()).build();
    assertThatThrownBy(() -> pipeline.execute(() -> {
          breaker.transitionToForcedOpen();
          throw new IOException("down");
        }))
        .isInstanceOf(CircuitOpenException.class)
        .hasSuppressedException(new IOException("down"));
  }

  @Test
  void aTokenBucketIsChargedOnlyForTheFailureThatReachedTheBackend() {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(10).build();
    failThenRefuse(budget);
    assertThat(budget.state().level()).isEqualTo(9.0);
  }

  @Test
  void aRatioBudgetKeepsTheWithdrawalOfTheRetryTheBreakerRefused() {
    RetryBudget budget = RetryBudget.ratio().clock(clock).percentCanRetry(0).minRetriesPerSecond(1).ttl(Duration.ofSeconds(10)).build();
    assertThat(budget.state().level()).isEqualTo(10.0);
    failThenRefuse(budget);
    assertThat(budget.state().level()).isEqualTo(9.0);
  }
}
