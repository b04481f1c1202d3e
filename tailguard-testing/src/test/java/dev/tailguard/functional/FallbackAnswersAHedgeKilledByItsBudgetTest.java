package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Fallback;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code whenHedgeRefused(KILL_CALL)} ends the call with {@code CallKilledException} caused by the
 * {@code BudgetExhaustedException}. A {@link Fallback} on {@code BUDGET_DENIED} ("a budget refused
 * the call or its retry") did not answer it: the fallback took every {@code CallKilledException}
 * for the caller cancelling. Only a call its caller killed goes without a fallback.
 */
class FallbackAnswersAHedgeKilledByItsBudgetTest {
  private final FakeClock clock = new FakeClock();
  private final Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock)
      .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2)
          .admission(attempt -> false).whenHedgeRefused(HedgePolicy.RefusedHedge.KILL_CALL).build())
      .build();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  @Test
  void aBudgetDeniedFallbackAnswersTheKilledCall() {
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> new CompletableFuture<String>(),
        OutcomeHandler.defaults(), Fallback.of("cached").on(Fallback.Trigger.BUDGET_DENIED));
    clock.advance(Duration.ofMillis(10));
    assertThat(call).isCompletedWithValue("cached");
  }

  @Test
  void anAnyFailureFallbackAnswersItToo() {
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> new CompletableFuture<String>(),
        OutcomeHandler.defaults(), Fallback.of("cached"));
    clock.advance(Duration.ofMillis(10));
    assertThat(call).isCompletedWithValue("cached");
  }

  @Test
  void aCallItsCallerCancelledGetsNoFallback() {
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> new CompletableFuture<String>(),
        OutcomeHandler.defaults(), Fallback.of("cached"));
    call.cancel(true);
    assertThat(call).isCancelled();
  }
}
