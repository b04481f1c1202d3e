package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.Backoff;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's per-attempt timeout ends an attempt by completing the stage it hands the engine.
 * Whatever that causes (the retry) must happen inside the timer's own task, even when the timer
 * fires the moment it is armed: otherwise a test advancing the fake clock on another thread (the
 * gRPC adapter's {@code aTimeoutCancelsAHungAttemptAndTheRetryAnswers}) sees the retry scheduled
 * "now" after its advance returned, and the call hangs.
 */
class TimeoutEffectsStayInTheTimerTaskTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private final FakeClock clock = new FakeClock();
  private final List<CompletableFuture<String>> attempts = new ArrayList<>();

  /** Advances the fake clock past the timeout the moment it is armed, as a racing test thread would. */
  private final Scheduler advancesOnArming = (task, delay) -> {
    Cancellable timer = clock.schedule(task, delay);
    if (delay.equals(TIMEOUT)) {
      clock.advance(delay);
    }
    return timer;
  };

  /** The first attempt hangs; the second answers. */
  private final AsyncAttempt<String> firstHangs = context -> {
    CompletableFuture<String> attempt = context.attempt() == 1 ? new CompletableFuture<>() : CompletableFuture.completedFuture("pong");
    attempts.add(attempt);
    return attempt;
  };

  @Test
  void aTimeoutFiringTheMomentItIsArmedStartsTheRetryWithinThatSameAdvance() {
    Pipeline pipeline = Pipeline.builder()
        .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none()).build())
        .timeout(Timeout.of(TIMEOUT))
        .clock(clock).scheduler(advancesOnArming)
        .build();

    CompletableFuture<String> call = pipeline.executeAsync(firstHangs, OutcomeHandler.defaults());

    // No further advance: the retry was due at the instant the timer fired and ran in that advance.
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0)).isCancelled();
    assertThat(call).isCompletedWithValue("pong");
    clock.assertNoPendingTasks();
  }

  @Test
  void aTimeoutTheSchedulerRefusesEndsTheAttemptInsteadOfLeavingItUnwatched() {
    Scheduler refusesTimeouts = (task, delay) -> {
      if (delay.equals(TIMEOUT)) {
        throw new RejectedExecutionException("scheduler shut down");
      }
      return clock.schedule(task, delay);
    };
    Pipeline pipeline = Pipeline.builder()
        .timeout(Timeout.of(TIMEOUT))
        .clock(clock).scheduler(refusesTimeouts)
        .build();

    CompletableFuture<String> call = pipeline.executeAsync(firstHangs, OutcomeHandler.defaults());

    assertThat(call).isCompletedExceptionally();
    assertThat(call.handle((result, error) -> error)).isCompletedWithValueMatching(e -> e instanceof RejectedExecutionException);
    assertThat(attempts.get(0)).as("the unbounded attempt is cancelled").isCancelled();
    clock.assertNoPendingTasks();
  }
}
