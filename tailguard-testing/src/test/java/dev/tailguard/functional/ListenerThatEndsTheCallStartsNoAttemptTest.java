package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * "No attempt started after the call ended": an {@code onAttempt} or {@code onHedge} listener
 * that ends the call (cancels or completes its future, re-entrantly) fires just before the
 * attempt starts. Both engines went on and started the attempt anyway, sending a request for a
 * call that had already ended.
 */
class ListenerThatEndsTheCallStartsNoAttemptTest {
  private final FakeClock clock = new FakeClock();
  private final AtomicReference<CompletableFuture<String>> call = new AtomicReference<>();
  private final AtomicInteger started = new AtomicInteger();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  @Test
  void aHedgeListenerThatCancelsTheCallStartsNoHedge() {
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3)
        .onHedge(event -> call.get().cancel(true)).build(), clock, clock);
    call.set(hedge.executeAsync(attempt -> {
      started.incrementAndGet();
      return new CompletableFuture<String>();
    }, OutcomeHandler.defaults()));
    clock.advance(Duration.ofMillis(10));
    assertThat(call.get()).isCancelled();
    assertThat(started).hasValue(1);
  }

  @Test
  void aRetryAttemptListenerThatCompletesTheCallStartsNoRetry() {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10)))
        .onAttempt(event -> {
          if (event.attempt() == 2) {
            call.get().complete("enough");
          }
        }).build(), clock, clock);
    call.set(retry.executeAsync(attempt -> {
      started.incrementAndGet();
      return CompletableFuture.<String>failedFuture(new IOException("down"));
    }, OutcomeHandler.defaults()));
    clock.advance(Duration.ofMillis(10));
    assertThat(call.get()).isCompletedWithValue("enough");
    assertThat(started).hasValue(1);
  }
}
