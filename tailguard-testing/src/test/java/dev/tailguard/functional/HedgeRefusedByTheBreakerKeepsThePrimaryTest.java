package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.GiveUpReason;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hedge+breaker pipeline whose hedge the breaker refuses while the primary still runs. The
 * engine committed to the refusal: the call failed with {@code CircuitOpenException} and the
 * running primary (the half-open trial) was cancelled, releasing its permit uncounted. With
 * every call slower than the hedge delay, a half-open breaker then never heard a trial end and
 * refused every call forever while the backend was healthy. A refused hedge, like a refused
 * budget, only stops hedging: the attempts running decide the call.
 */
class HedgeRefusedByTheBreakerKeepsThePrimaryTest {
  private final FakeClock clock = new FakeClock();
  private final CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend")
      .countWindow(10).minimumCalls(1).failureRateThreshold(0.5)
      .openDuration(Duration.ofSeconds(1)).halfOpen(1, 1, Duration.ofSeconds(20)).build(), clock);
  private final Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
      .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2).build()).build();

  HedgeRefusedByTheBreakerKeepsThePrimaryTest() {
    breaker.transitionToOpen();
    clock.advance(Duration.ofSeconds(2));
  }

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  /** Every attempt answers after 50 ms, past the 10 ms hedge delay. */
  private CompletableFuture<String> slow(String value, Throwable failure) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    clock.schedule(() -> {
      if (failure == null) {
        answer.complete(value);
      } else {
        answer.completeExceptionally(failure);
      }
    }, Duration.ofMillis(50));
    return answer;
  }

  @Test
  void theHalfOpenTrialRunsToItsEndAndClosesTheBreaker() {
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> slow("ok", null), OutcomeHandler.defaults());
    clock.advance(Duration.ofMillis(10)); // the hedge is refused: the trial holds the only permit
    assertThat(call).isNotDone();
    clock.advance(Duration.ofMillis(40));
    assertThat(call).isCompletedWithValue("ok");
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void aPrimaryThatThenFailsRetryablyEndsTheCallWithTheRefusalAttached() {
    IOException down = new IOException("down");
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> slow(null, down), OutcomeHandler.defaults());
    clock.advance(Duration.ofMillis(50));
    assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfSatisfying(RetriesExhaustedException.class, failure -> {
          assertThat(failure.getCause()).isSameAs(down);
          // Both allowed attempts were started, the second one refused by the breaker.
          assertThat(failure.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
          assertThat(failure.getSuppressed()).hasAtLeastOneElementOfType(CircuitOpenException.class);
        });
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void aRefusalWithNothingElseRunningIsThrownAtOnce() {
    breaker.transitionToForcedOpen();
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> slow("ok", null), OutcomeHandler.defaults());
    assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(CircuitOpenException.class);
  }
}
