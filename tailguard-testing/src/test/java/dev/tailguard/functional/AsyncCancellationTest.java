package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AsyncCancellationTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> discarded = new ArrayList<>();
  private final List<ResultDiscardedEvent.Reason> discardReasons = new ArrayList<>();
  private final OutcomeHandler<String> handler = OutcomeHandler.<String>builder().onDiscard(discarded::add).build();

  private Retry retry(RetryPolicy.Builder builder) {
    return Retry.of(builder.onDiscard(e -> discardReasons.add(e.reason())).build(), clock, clock);
  }

  @AfterEach
  void nothingIsLeftScheduled() {
    clock.assertNoPendingTasks();
  }

  @Test
  void cancellingDuringBackoffRemovesTheRetryTimerAndStopsAttempts() {
    // given a call whose first attempt failed and whose retry waits 100 ms
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = retry(RetryPolicy.builder().backoff(Backoff.fixed(Duration.ofMillis(100))));
    CompletableFuture<String> call =
        retry.executeAsync(() -> {
          attempts.incrementAndGet();
          return CompletableFuture.failedFuture(new IOException("down"));
        }, handler);
    assertThat(clock.pendingTasks()).isEqualTo(1);

    // when the caller cancels during the backoff
    call.cancel(true);

    // then the timer is gone and no attempt follows, however long we wait
    assertThat(clock.pendingTasks()).isZero();
    clock.advance(Duration.ofHours(1));
    assertThat(attempts).hasValue(1);
    assertThat(call).isCancelled();
  }

  @Test
  void cancellingDuringAnAttemptCancelsTheAttemptsFutureAndItsTimeout() {
    List<CompletableFuture<String>> inFlight = new ArrayList<>();
    Retry retry = retry(RetryPolicy.builder().perAttemptTimeout(Duration.ofSeconds(1)));
    CompletableFuture<String> call =
        retry.executeAsync(() -> {
          CompletableFuture<String> attempt = new CompletableFuture<>();
          inFlight.add(attempt);
          return attempt;
        }, handler);
    assertThat(clock.pendingTasks()).as("the attempt's timeout timer").isEqualTo(1);

    call.cancel(true);

    assertThat(inFlight).singleElement().satisfies(f -> assertThat(f).isCancelled());
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void aResultArrivingAfterTheCallWasCancelledIsDiscardedOnce() {
    // A stage whose toCompletableFuture() is a copy cannot be cancelled, only abandoned.
    CompletableFuture<String> backend = new CompletableFuture<>();
    Retry retry = retry(RetryPolicy.builder());
    CompletableFuture<String> call = retry.executeAsync(backend::minimalCompletionStage, handler);

    call.cancel(true);
    backend.complete("late body");

    assertThat(discarded).containsExactly("late body");
    assertThat(discardReasons).containsExactly(ResultDiscardedEvent.Reason.LATE);
  }

  @Test
  void aResultArrivingAfterItsAttemptTimedOutIsDiscardedAndTheRetryWins() {
    List<CompletableFuture<String>> backends = new ArrayList<>();
    Retry retry =
        retry(RetryPolicy.builder().backoff(Backoff.fixed(Duration.ofMillis(10))).perAttemptTimeout(Duration.ofMillis(50)));
    CompletableFuture<String> call =
        retry.executeAsync(() -> {
          CompletableFuture<String> backend = new CompletableFuture<>();
          backends.add(backend);
          return backend.minimalCompletionStage();
        }, handler);

    clock.advance(Duration.ofMillis(60)); // attempt 1 timed out at 50, attempt 2 started at 60
    assertThat(backends).hasSize(2);
    backends.get(0).complete("slow first");
    backends.get(1).complete("second");
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("second");
    assertThat(discarded).containsExactly("slow first");
    assertThat(discardReasons).containsExactly(ResultDiscardedEvent.Reason.LATE);
  }

  @Test
  void anAttemptThatThrowsInsteadOfReturningAStageIsRetried() {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = retry(RetryPolicy.builder().backoff(Backoff.fixed(Duration.ofMillis(10))));
    CompletableFuture<String> call =
        retry.executeAsync(() -> {
          if (attempts.incrementAndGet() == 1) {
            throw new IllegalStateException("connection pool closed");
          }
          return CompletableFuture.completedFuture("ok");
        }, handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
  }

  @Test
  void aShutDownSchedulerFailsTheCallPromptlyInsteadOfHangingIt() {
    Scheduler shutDown = (task, delay) -> {
      throw new RejectedExecutionException("scheduler shut down");
    };
    Retry retry = Retry.of(RetryPolicy.builder().build(), clock, shutDown);
    CompletableFuture<String> call =
        retry.executeAsync(() -> CompletableFuture.failedFuture(new IOException("down")), handler);
    assertThat(call).isCompletedExceptionally();
    RetriesExhaustedException failure = (RetriesExhaustedException) call.handle((r, e) -> e).join();
    assertThat(failure.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED);
    assertThat(failure.getCause()).isInstanceOf(IOException.class);
    assertThat(failure.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(RejectedExecutionException.class));
  }

  @Test
  void manyConcurrentCallsLeaveNoTimersBehind() {
    Retry retry = retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(5))).perAttemptTimeout(Duration.ofMillis(20)));
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      int n = i;
      AtomicInteger attempts = new AtomicInteger();
      calls.add(retry.executeAsync(() -> {
        int attempt = attempts.incrementAndGet();
        CompletableFuture<String> f = new CompletableFuture<>();
        // a third of the calls succeed at once, a third after one failure, a third time out twice
        if (n % 3 == 0 || (n % 3 == 1 && attempt == 2)) {
          f.complete("ok");
        } else if (n % 3 == 1) {
          f.completeExceptionally(new IOException());
        }
        return f;
      }, handler));
      if (i % 10 == 0) {
        calls.get(i).cancel(true);
      }
    }
    clock.runUntilIdle();
    assertThat(calls).allSatisfy(c -> assertThat(c).isDone());
  }

  @Test
  void nonCancellableStagesAreAbandonedNotLeaked() {
    CompletionStage<String> never = new CompletableFuture<String>().minimalCompletionStage();
    Retry retry = retry(RetryPolicy.builder().maxAttempts(1).perAttemptTimeout(Duration.ofMillis(5)));
    CompletableFuture<String> call = retry.executeAsync(() -> never, handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedExceptionally();
  }
}
