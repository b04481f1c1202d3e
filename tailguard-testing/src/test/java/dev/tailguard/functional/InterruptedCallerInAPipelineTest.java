package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README: "an attempt that throws InterruptedException ends the call with it, flag restored,
 * whatever the classifier says", and "a cancelled attempt (a hedge loser, a caller giving up)
 * releases its permit without counting". A pipeline without retry or hedge threw the exception
 * with the caller's flag cleared (only the retry loop restored it), and the breaker counted the
 * interrupted caller as a backend failure: one interrupt opened this breaker.
 */
class InterruptedCallerInAPipelineTest {
  private final FakeClock clock = new FakeClock();
  private final CircuitBreaker breaker = CircuitBreaker.of(
      CircuitBreakerConfig.builder("backend").countWindow(10).minimumCalls(1).failureRateThreshold(0.5).build(), clock);
  private final Callable<String> interrupted = () -> {
    throw new InterruptedException("caller gave up");
  };

  @AfterEach
  void clean() {
    Thread.interrupted();
    clock.assertNoPendingTasks();
  }

  private void assertEndsWithTheInterruptFlagSetAndUncounted(Pipeline pipeline) {
    assertThatThrownBy(() -> pipeline.execute(interrupted)).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isTrue();
    assertThatThrownBy(() -> pipeline.execute(context -> interrupted.call(), OutcomeHandler.defaults()))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isTrue();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void aBreakerOnlyPipeline() {
    assertEndsWithTheInterruptFlagSetAndUncounted(
        Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).build());
  }

  @Test
  void aBreakerAndTimeoutPipeline() {
    assertEndsWithTheInterruptFlagSetAndUncounted(Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .timeout(Timeout.of(Duration.ofSeconds(1)).withInterrupt()).build());
  }

  @Test
  void aRetryAndBreakerPipeline() {
    assertEndsWithTheInterruptFlagSetAndUncounted(Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(3).build()).build());
  }

  @Test
  void aRetryAndBreakerPipelineWithADeadline() {
    assertEndsWithTheInterruptFlagSetAndUncounted(Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(3).deadline(Duration.ofSeconds(5)).build()).build());
  }
}
