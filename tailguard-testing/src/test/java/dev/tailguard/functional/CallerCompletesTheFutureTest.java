package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 5: whoever holds the returned future controls the call. Completing it in any way
 * (complete, completeExceptionally, orTimeout, cancel) ends the call: timers removed, attempts
 * cancelled, results discarded.
 */
class CallerCompletesTheFutureTest {
  private final FakeClock clock = new FakeClock();
  private final List<CompletableFuture<String>> attempts = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger cancelHooks = new AtomicInteger();
  private final List<String> discarded = Collections.synchronizedList(new ArrayList<>());
  private final OutcomeHandler<String> handler = OutcomeHandler.<String>builder().onDiscard(discarded::add).build();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  /** Every attempt hangs until the test completes it. */
  private final AsyncAttempt<String> hanging = context -> {
    context.onCancel(cancelHooks::incrementAndGet);
    CompletableFuture<String> future = new CompletableFuture<>();
    attempts.add(future);
    return future;
  };

  private Hedge hedge() {
    return Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3).build(), clock, clock);
  }

  @Test
  void completingAHedgedCallsFutureCancelsItsAttemptsAndStartsNoHedge() {
    CompletableFuture<String> call = hedge().executeAsync(hanging, handler);
    clock.advanceMillis(10);
    assertThat(attempts).hasSize(2);
    call.complete("from the caller");
    assertThat(attempts).allSatisfy(future -> assertThat(future).isCancelled());
    assertThat(cancelHooks).hasValue(2);
    clock.advanceMillis(100);
    assertThat(attempts).hasSize(2);
  }

  @Test
  void completingAHedgedCallsFutureExceptionallyEndsItToo() {
    CompletableFuture<String> call = hedge().executeAsync(hanging, handler);
    call.completeExceptionally(new IllegalStateException("caller gave up"));
    assertThat(attempts.get(0)).isCancelled();
    clock.advanceMillis(100);
    assertThat(attempts).hasSize(1);
  }

  @Test
  void orTimeoutOnAHedgedCallStopsIt() throws Exception {
    CompletableFuture<String> call = hedge().executeAsync(hanging, handler).orTimeout(20, TimeUnit.MILLISECONDS);
    // orTimeout runs on the JDK's own delayer, in wall-clock time; the hedge timers are on the fake clock.
    assertThat(call.handle((r, e) -> e).get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
    // The delayer thread runs the future's dependents one after another: this test may wake before
    // the engine's own dependent has ended the call, so wait (boundedly) for the attempt to end.
    awaitEnded(attempts.get(0));
    assertThat(attempts.get(0)).isCancelled();
    assertThat(clock.pendingTasks()).isZero();
    clock.advanceMillis(100);
    assertThat(attempts).hasSize(1);
  }

  @Test
  void completeOnTimeoutOnAHedgedCallStopsIt() throws Exception {
    CompletableFuture<String> call = hedge().executeAsync(hanging, handler).completeOnTimeout("default", 20, TimeUnit.MILLISECONDS);
    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("default");
    awaitEnded(attempts.get(0));
    assertThat(attempts.get(0)).isCancelled();
    assertThat(clock.pendingTasks()).isZero();
  }

  private static void awaitEnded(CompletableFuture<String> attempt) throws Exception {
    attempt.handle((r, e) -> null).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aLateResultAfterTheCallerCompletedTheFutureIsDiscarded() {
    AsyncAttempt<String> notCancellable = context -> {
      CompletableFuture<String> future = new CompletableFuture<>();
      attempts.add(future);
      return future.minimalCompletionStage();
    };
    CompletableFuture<String> call = hedge().executeAsync(notCancellable, handler);
    call.complete("from the caller");
    attempts.get(0).complete("late");
    assertThat(call).isCompletedWithValue("from the caller");
    assertThat(discarded).containsExactly("late");
  }

  @Test
  void completingARetriedCallsFutureRemovesThePendingRetryTimer() {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(50))).build(), clock, clock);
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<String> call = retry.executeAsync(context -> {
      started.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("reset"));
    }, handler);
    assertThat(clock.pendingTasks()).isEqualTo(1);
    call.complete("from the caller");
    assertThat(clock.pendingTasks()).isZero();
    clock.advanceMillis(100);
    assertThat(started).hasValue(1);
  }

  @Test
  void completingARetriedCallsFutureCancelsTheAttemptInFlight() {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).perAttemptTimeout(Duration.ofSeconds(1)).build(), clock, clock);
    CompletableFuture<String> call = retry.executeAsync(hanging, handler);
    call.completeExceptionally(new IllegalStateException("caller gave up"));
    assertThat(attempts.get(0)).isCancelled();
    assertThat(cancelHooks).hasValue(1);
    assertThat(clock.pendingTasks()).isZero();
  }
}
