package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryBudget;
import dev.tailguard.Timeout;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 8: durations the builders accept, up to {@code Duration.ofSeconds(Long.MAX_VALUE)},
 * saturate at run time instead of throwing {@link ArithmeticException}.
 */
class HugeDurationsSaturateTest {
  private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);
  private final FakeClock clock = new FakeClock();

  private static void fail(CircuitBreaker breaker) {
    breaker.tryAcquire().onFailure();
  }

  @Test
  void aBreakerWithAHugeOpenDurationOpensAndStaysOpen() {
    CircuitBreaker breaker = CircuitBreaker.of(
        CircuitBreakerConfig.builder("b").countWindow(2).minimumCalls(2).openDuration(FOREVER).build(), clock);
    fail(breaker);
    fail(breaker);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    clock.advance(Duration.ofDays(365 * 100));
    assertThat(breaker.tryAcquire()).isNull();
  }

  @Test
  void aHugeMaxWaitInHalfOpenNeverReclaimsATrial() {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("b").countWindow(2).minimumCalls(2)
        .openDuration(Duration.ofSeconds(1)).halfOpen(1, 1, FOREVER).build(), clock);
    fail(breaker);
    fail(breaker);
    clock.advance(Duration.ofSeconds(1));
    CircuitBreaker.Permit trial = breaker.tryAcquire();
    assertThat(trial).isNotNull();
    clock.advance(Duration.ofDays(365));
    assertThat(breaker.tryAcquire()).isNull();
    trial.onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void aHugeSlowCallThresholdAndTimeWindowWork() {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("b").timeWindow(FOREVER, 10).minimumCalls(2)
        .slowCall(FOREVER, 0.5).build(), clock);
    fail(breaker);
    fail(breaker);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void aHugeTimeoutLetsTheCallThrough() throws Exception {
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).timeout(Timeout.of(FOREVER)).build();
    String sync = pipeline.execute(attempt -> "ok", OutcomeHandler.defaults());
    assertThat(sync).isEqualTo("ok");
    CompletableFuture<String> pending = new CompletableFuture<>();
    CompletableFuture<String> async = pipeline.executeAsync(attempt -> pending, OutcomeHandler.defaults());
    pending.complete("ok");
    assertThat(async).isCompletedWithValue("ok");
    clock.assertNoPendingTasks();
  }

  @Test
  void budgetsWithHugeWindowsCountOrAreRefusedByName() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RetryBudget.ratio().ttl(FOREVER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ttl must be in [1s, 60s]");
    RetryBudget throttle = RetryBudget.adaptiveThrottle().window(FOREVER).clock(clock).build();
    assertThat(throttle.admitRequest()).isTrue();
  }
}
