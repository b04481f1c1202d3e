package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tailguard.GiveUpReason;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 7, beyond pending retries: {@code shutdownNow()} of a caller-owned scheduler drops
 * a per-attempt timeout, a hedge deadline or a server-hinted hedge without telling anyone. A call
 * that only that timer could end must still end. Wall clock: Tailguard's own timer notices the
 * loss within a few seconds (bounded here at 10); every attempt here hangs until cancelled.
 */
class SchedulerShutdownUnderPendingTimersTest {
  private final ScheduledThreadPoolExecutor owned = new ScheduledThreadPoolExecutor(1);
  private final List<CompletableFuture<String>> attempts = new CopyOnWriteArrayList<>();

  @AfterEach
  void shutDown() {
    owned.shutdownNow();
  }

  private CompletableFuture<String> hangingAttempt() {
    CompletableFuture<String> attempt = new CompletableFuture<>();
    attempts.add(attempt);
    return attempt;
  }

  private Throwable failureOf(CompletableFuture<String> call) throws InterruptedException {
    assertThat(owned.shutdownNow()).as("the timer was accepted and pending").isNotEmpty();
    assertThat(owned.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    ExecutionException failed = catchThrowableOfType(() -> call.get(10, TimeUnit.SECONDS), ExecutionException.class);
    assertThat(failed).as("the call ended").isNotNull();
    assertThat(attempts).as("the attempt left running was cancelled").allSatisfy(a -> assertThat(a).isCancelled());
    return failed.getCause();
  }

  @Test
  void shutdownNowWithAPerAttemptTimeoutPendingEndsTheRetriedCall() throws Exception {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).perAttemptTimeout(Duration.ofHours(1)).build(),
        Clock.system(), Scheduler.of(owned));
    CompletableFuture<String> call = retry.executeAsync(this::hangingAttempt);

    RetriesExhaustedException gaveUp = (RetriesExhaustedException) failureOf(call);
    assertThat(gaveUp.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED);
    assertThat(attempts).hasSize(1);
  }

  @Test
  void shutdownNowWithAPipelineTimeoutPendingEndsTheCall() throws Exception {
    Pipeline pipeline = Pipeline.builder().timeout(Timeout.of(Duration.ofHours(1))).scheduler(Scheduler.of(owned)).build();
    CompletableFuture<String> call = pipeline.executeAsync(this::hangingAttempt);

    assertThat(failureOf(call)).isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("was shut down with this task pending");
  }

  @Test
  void shutdownNowWithAHedgeDeadlinePendingEndsTheHedgedCall() throws Exception {
    Hedge hedge = Hedge.builder(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofHours(1))).maxAttempts(2)
        .deadline(Duration.ofHours(2)).build()).scheduler(Scheduler.of(owned)).build();
    CompletableFuture<String> call = hedge.executeAsync(context -> hangingAttempt(), OutcomeHandler.defaults());

    RetriesExhaustedException gaveUp = (RetriesExhaustedException) failureOf(call);
    assertThat(gaveUp.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED);
    assertThat(attempts).as("the lost hedge timer started nothing").hasSize(1);
  }

  @Test
  void shutdownNowWithAServerHintedHedgePendingEndsTheHedgedCall() throws Exception {
    Hedge hedge = Hedge.builder(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofHours(1))).maxAttempts(2).build())
        .scheduler(Scheduler.of(owned)).build();
    OutcomeHandler<String> hinted = OutcomeHandler.<String>builder()
        .classifier((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS)
        .serverHint((result, error) -> Duration.ofMinutes(30))
        .build();
    // The only attempt fails with a hint: the call now waits for nothing but the hint's timer.
    CompletableFuture<String> call = hedge.executeAsync(context -> CompletableFuture.failedFuture(new IOException("busy")), hinted);

    RetriesExhaustedException gaveUp = (RetriesExhaustedException) failureOf(call);
    assertThat(gaveUp.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED);
    assertThat(gaveUp.getCause()).hasMessage("busy");
  }

  @Test
  void shutdownNowWithOnlyAHedgeTimerPendingLeavesTheCallToItsRunningAttempt() throws Exception {
    Hedge hedge = Hedge.builder(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofHours(1))).maxAttempts(2).build())
        .scheduler(Scheduler.of(owned)).build();
    CompletableFuture<String> call = hedge.executeAsync(context -> hangingAttempt(), OutcomeHandler.defaults());
    assertThat(owned.shutdownNow()).hasSize(1);
    assertThat(owned.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    // As when the hedge timer is refused outright: no hedge, the primary's answer is the call's.
    attempts.get(0).complete("primary");
    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("primary");
    assertThat(attempts).hasSize(1);
  }
}
