package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 7: {@code shutdownNow()} of a caller-owned scheduler drops an accepted retry
 * without rejecting or cancelling it. The call must still end, with a clear exception. Wall
 * clock: the loss is noticed by Tailguard's own timer within a few seconds (bounded here at 10).
 */
class SchedulerShutdownUnderPendingRetryTest {
  @Test
  void shutdownNowWithARetryPendingEndsTheCallInsteadOfLeavingItPending() throws Exception {
    ScheduledThreadPoolExecutor owned = new ScheduledThreadPoolExecutor(1);
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofHours(1))).build(),
        Clock.system(), Scheduler.of(owned));
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> call = retry.executeAsync(() -> {
      attempts.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("reset"));
    });
    assertThat(owned.getQueue()).as("the retry is accepted and pending").hasSize(1);

    assertThat(owned.shutdownNow()).hasSize(1);
    assertThat(owned.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    ExecutionException failed = catchThrowableOfType(() -> call.get(10, TimeUnit.SECONDS), ExecutionException.class);
    assertThat(failed).as("the call ended").isNotNull();
    RetriesExhaustedException gaveUp = (RetriesExhaustedException) failed.getCause();
    assertThat(gaveUp.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED);
    assertThat(gaveUp.getCause()).hasMessage("reset");
    assertThat(gaveUp.getSuppressed()).anySatisfy(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("was shut down with this task pending"));
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aPlainShutdownStillRunsTheDelayedRetry() throws Exception {
    ScheduledThreadPoolExecutor owned = new ScheduledThreadPoolExecutor(1);
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(1500))).build(),
        Clock.system(), Scheduler.of(owned));
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> call = retry.executeAsync(() -> attempts.incrementAndGet() == 1
        ? CompletableFuture.failedFuture(new IOException("reset"))
        : CompletableFuture.completedFuture("ok"));

    // shutdown() keeps delayed tasks (the executor's default policy): the retry is not lost.
    owned.shutdown();

    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
    assertThat(owned.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }
}
