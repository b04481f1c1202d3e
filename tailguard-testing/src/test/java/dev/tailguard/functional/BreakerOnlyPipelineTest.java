package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 14 item 3: a pipeline without retry or hedge runs once and never wraps the call's exception. */
class BreakerOnlyPipelineTest {
  private final FakeClock clock = new FakeClock();
  private final CircuitBreaker breaker =
      CircuitBreaker.of(CircuitBreakerConfig.builder("backend").countWindow(10).minimumCalls(2).failureRateThreshold(0.9).build(), clock);
  private final Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).build();

  /** One success first, so that the rate after one more call is 0.5 if that call counted as a failure. */
  @org.junit.jupiter.api.BeforeEach
  void oneSuccess() throws Exception {
    assertThat(pipeline.execute(() -> "ok")).isEqualTo("ok");
  }

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  @Test
  void theCallsOwnExceptionPropagatesUnchangedAndIsCounted() {
    IOException failure = new IOException("backend down");
    assertThatThrownBy(() -> pipeline.execute(() -> {
          throw failure;
        }))
        .isSameAs(failure);
    assertThat(failure.getSuppressed()).isEmpty();
    assertThat(breaker.failureRate()).isEqualTo(0.5);
  }

  @Test
  void anErrorIsRethrownUnchanged() {
    AssertionError error = new AssertionError("boom");
    assertThatThrownBy(() -> pipeline.execute(() -> {
          throw error;
        }))
        .isSameAs(error);
  }

  @Test
  void anOpenCircuitThrowsCircuitOpenExceptionAndRunsNothing() {
    breaker.transitionToForcedOpen();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> pipeline.execute(() -> attempts.incrementAndGet()))
        .isInstanceOf(dev.tailguard.CircuitOpenException.class);
    assertThat(attempts).hasValue(0);
  }

  @Test
  void theCallsOwnExceptionPropagatesUnchangedWithAHandlerToo() {
    IOException failure = new IOException("backend down");
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> pipeline.execute(attempt -> {
          attempts.incrementAndGet();
          throw failure;
        }, OutcomeHandler.defaults()))
        .isSameAs(failure);
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aRetryableResultIsReturnedAsItIsSinceNobodyAskedForRetries() throws Exception {
    OutcomeHandler<String> http = OutcomeHandler.of((r, e) -> e != null || r.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS);
    String answer = pipeline.execute(attempt -> "503 busy", http);
    assertThat(answer).isEqualTo("503 busy");
    assertThat(breaker.failureRate()).isEqualTo(0.5);
  }

  @Test
  void theAsyncPathFailsWithTheCallsOwnException() {
    IOException failure = new IOException("backend down");
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> CompletableFuture.failedFuture(failure), OutcomeHandler.defaults());
    assertThat(call.handle((r, e) -> e).join()).isSameAs(failure);
    assertThat(breaker.failureRate()).isEqualTo(0.5);
  }

  @Test
  void aTimeoutWithoutRetryThrowsTheAttemptTimeoutItself() {
    Pipeline timed = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).timeout(Timeout.of(Duration.ofMillis(10))).build();
    CompletableFuture<String> call = timed.executeAsync(attempt -> new CompletableFuture<>(), OutcomeHandler.defaults());
    clock.advanceMillis(10);
    assertThat(call.handle((r, e) -> e).join()).isInstanceOf(AttemptTimeoutException.class);
  }

  @Test
  void cancellingTheSingleAttemptsFutureCancelsItAndReleasesThePermitUncounted() {
    CompletableFuture<String> backend = new CompletableFuture<>();
    AtomicInteger hooks = new AtomicInteger();
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> {
      attempt.onCancel(hooks::incrementAndGet);
      return backend;
    }, OutcomeHandler.defaults());
    call.cancel(true);
    assertThat(backend).isCancelled();
    assertThat(hooks).hasValue(1);
    assertThat(breaker.failureRate()).as("the cancelled attempt is not counted").isNaN();
    CompletableFuture<String> next = pipeline.executeAsync(attempt -> CompletableFuture.completedFuture("ok"), OutcomeHandler.defaults());
    assertThat(next).isCompletedWithValue("ok");
    assertThat(breaker.failureRate()).isEqualTo(0.0);
  }
}
