package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Pipeline;
import dev.tailguard.Timeout;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A Pipeline with a timeout and no engine hands its caller the attempt's guarded future itself.
 * When the timeout (or a scheduler that refuses it) ends the call, the attempt must already be
 * cancelled by the time anyone hears of the end: a caller that checks "was my attempt stopped?"
 * on completion saw it still running (the flaky {@code SchedulerShutdownUnderPendingTimersTest}).
 */
class TimedOutAttemptIsCancelledBeforeTheCallEndsTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void aTimedOutAttemptIsAlreadyCancelledWhenTheCallerHearsOfTheTimeout() {
    Pipeline pipeline = Pipeline.builder().timeout(Timeout.of(Duration.ofSeconds(1))).clock(clock).scheduler(clock).build();
    CompletableFuture<String> attempt = new CompletableFuture<>();
    AtomicReference<Boolean> cancelledWhenTheCallEnded = new AtomicReference<>();

    CompletableFuture<String> call = pipeline.executeAsync(() -> attempt);
    call.whenComplete((result, error) -> cancelledWhenTheCallEnded.set(attempt.isCancelled()));
    clock.advance(Duration.ofSeconds(1));

    assertThat(call).isCompletedExceptionally();
    assertThat(cancelledWhenTheCallEnded).hasValue(true);
    clock.assertNoPendingTasks();
  }

  @Test
  void anAttemptNoTimerCouldBoundIsAlreadyCancelledWhenTheCallerHearsOfTheRefusal() {
    Scheduler refusing = (task, delay) -> {
      throw new RejectedExecutionException("scheduler is shut down");
    };
    Pipeline pipeline = Pipeline.builder().timeout(Timeout.of(Duration.ofSeconds(1))).clock(clock).scheduler(refusing).build();
    CompletableFuture<String> attempt = new CompletableFuture<>();
    AtomicReference<Boolean> cancelledWhenTheCallEnded = new AtomicReference<>();

    CompletableFuture<String> call = pipeline.executeAsync(() -> attempt);
    call.whenComplete((result, error) -> cancelledWhenTheCallEnded.set(attempt.isCancelled()));

    assertThat(call).isCompletedExceptionally();
    assertThat(cancelledWhenTheCallEnded).hasValue(true);
  }
}
