package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A classifier that throws an {@link Error} (an {@code AssertionError}, a {@code
 * NoClassDefFoundError}) while a breaker guards the attempt. The breaker's layer classified with
 * {@code catch (RuntimeException)} only, so the Error escaped it: the half-open trial's permit was
 * never returned (every later call got {@code CircuitOpenException} until {@code
 * maxWaitInHalfOpen}), the result never reached {@code onDiscard}, and an async call's future
 * never completed at all. A classifier that throws counts as a failure, whatever it throws.
 */
class ClassifierThatThrowsAnErrorTest {
  private final FakeClock clock = new FakeClock();
  private final AtomicInteger discarded = new AtomicInteger();
  private final OutcomeHandler<String> throwing = OutcomeHandler.<String>builder()
      .classifier((result, error) -> {
        throw new AssertionError("classifier bug");
      })
      .onDiscard(value -> discarded.incrementAndGet())
      .build();

  /** Half-open with a single trial: a leaked permit shows as HALF_OPEN refusing every call. */
  private final CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend")
      .countWindow(10).minimumCalls(1).failureRateThreshold(0.5)
      .openDuration(Duration.ofSeconds(1)).halfOpen(1, 1, Duration.ofSeconds(20)).build(), clock);

  ClassifierThatThrowsAnErrorTest() {
    breaker.transitionToOpen();
    clock.advance(Duration.ofSeconds(2));
  }

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  @Test
  void anAsyncBreakerOnlyCallStillCompletesAndTheTrialCountsAsAFailure() {
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).build();
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> CompletableFuture.completedFuture("v"), throwing);
    // Without retry or hedge the result is returned whatever the classifier says.
    assertThat(call).isCompletedWithValue("v");
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void anAsyncRetriedCallFailsWithWhatTheClassifierThrewAndReleasesTheResult() {
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(3).build()).build();
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> CompletableFuture.completedFuture("v"), throwing);
    assertThat(call).isDone();
    assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(AssertionError.class);
    assertThat(discarded).hasValue(1);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void aSyncBreakerOnlyCallReturnsItsPermit() throws Exception {
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).build();
    String value = pipeline.execute(attempt -> "v", throwing);
    assertThat(value).isEqualTo("v");
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void aSyncRetriedCallWithADeadlineFailsWithTheErrorReleasesTheResultAndReturnsItsPermit() {
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(3).deadline(Duration.ofSeconds(5)).build()).build();
    assertThatThrownBy(() -> pipeline.execute(attempt -> "v", throwing)).isInstanceOf(AssertionError.class);
    assertThat(discarded).hasValue(1);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }
}
