package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README: "A cancelled attempt (a hedge loser, a caller giving up) releases its permit without
 * counting." A blocking hedge's loser is cancelled by interrupting its thread, so it ends with
 * {@code InterruptedException}; the breaker's layer counted that as a failure (the default
 * classifier calls it NON_RETRYABLE), so every won hedge cost the breaker one failure: one
 * success and one loser made a 50% failure rate and opened the circuit of a healthy backend.
 */
class BlockingHedgeLoserIsNotABreakerFailureTest {
  private final FakeClock clock = new FakeClock();
  private final ExecutorService caller = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() throws InterruptedException {
    caller.shutdownNow();
    assertThat(caller.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    clock.assertNoPendingTasks();
  }

  @Test
  void anInterruptedLoserReleasesItsPermitUncounted() throws Exception {
    CircuitBreaker breaker = CircuitBreaker.of(
        CircuitBreakerConfig.builder("backend").countWindow(10).minimumCalls(2).failureRateThreshold(0.5).build(), clock);
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2).build()).build();
    CountDownLatch primaryStarted = new CountDownLatch(1);
    CountDownLatch primaryEnded = new CountDownLatch(1);
    Future<String> call = caller.submit(() -> pipeline.execute(attempt -> {
      if (attempt.attempt() == 1) {
        primaryStarted.countDown();
        try {
          new CountDownLatch(1).await(); // hangs until the engine interrupts it
          return "never";
        } finally {
          primaryEnded.countDown();
        }
      }
      return "hedge";
    }, OutcomeHandler.defaults()));
    assertThat(primaryStarted.await(5, TimeUnit.SECONDS)).isTrue();
    // The hedge timer is armed once the primary has been handed to the executor.
    for (int i = 0; i < 500 && clock.pendingTasks() == 0; i++) {
      Thread.sleep(10);
    }
    clock.advance(Duration.ofMillis(10));
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("hedge");
    assertThat(primaryEnded.await(5, TimeUnit.SECONDS)).isTrue();
    // The loser's report happens on its own thread right after it ends: wait for it, boundedly.
    for (int i = 0; i < 50 && breaker.state() == CircuitState.CLOSED; i++) {
      Thread.sleep(10);
    }
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(breaker.failureRate()).isNaN(); // one call counted: below minimumCalls
  }
}
