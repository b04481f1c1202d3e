package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 regression: an asynchronous attempt gave its permit back only after the engine had
 * heard its outcome, so a hedge launched at once on a failure (or any attempt the engine starts
 * inline from that outcome) found the failed attempt's permit still taken and was refused by a
 * limit of one: the call ended with {@code ConcurrencyLimitExceededException}, refused by its own
 * previous attempt. The permit now goes back before the outcome is passed on.
 */
class AttemptReturnsItsPermitBeforeTheNextStartsTest {
  private final FakeClock clock = new FakeClock();
  private final OutcomeHandler<String> retryEverything =
      OutcomeHandler.of((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS);
  private final List<CompletableFuture<String>> attempts = new ArrayList<>();
  private final List<Integer> inFlightAtStart = new ArrayList<>();

  private CompletableFuture<String> pending(ConcurrencyLimit limit) {
    inFlightAtStart.add(limit.inFlight());
    CompletableFuture<String> attempt = new CompletableFuture<>();
    attempts.add(attempt);
    return attempt;
  }

  @Test
  void aHedgeLaunchedOnTheFailureOfTheOnlyAttemptIsNotRefusedByThatAttemptsPermit() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("backend").clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofSeconds(1))).maxAttempts(2).build()).build();
    CompletableFuture<String> call = pipeline.executeAsync(context -> pending(limit), retryEverything);
    assertThat(attempts).hasSize(1);

    attempts.get(0).completeExceptionally(new IOException("reset"));
    assertThat(attempts).hasSize(2);
    assertThat(call).isNotDone();
    assertThat(limit.refusals()).isZero();
    attempts.get(1).complete("ok");
    assertThat(call).isCompletedWithValue("ok");
    // Each attempt sees only its own permit taken.
    assertThat(inFlightAtStart).containsExactly(1, 1);
    assertThat(limit.inFlight()).isZero();
    clock.runUntilIdle();
    clock.assertNoPendingTasks();
  }

  @Test
  void aZeroBackoffRetryOfTheOnlyAttemptFindsItsPermitFree() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("backend").clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ZERO)).build()).build();
    CompletableFuture<String> call = pipeline.executeAsync(context -> pending(limit), retryEverything);
    attempts.get(0).completeExceptionally(new IOException("reset"));
    clock.runUntilIdle();
    assertThat(attempts).hasSize(2);
    attempts.get(1).complete("ok");
    assertThat(call).isCompletedWithValue("ok");
    // Each attempt sees only its own permit taken.
    assertThat(inFlightAtStart).containsExactly(1, 1);
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.refusals()).isZero();
  }

  @Test
  void theCallersHolderSeesThePermitBackWhenTheAnswerArrives() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("backend").clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    List<Integer> inFlightWhenAnswered = new ArrayList<>();
    CompletableFuture<String> call = pipeline.executeAsync(context -> pending(limit), retryEverything);
    call.whenComplete((result, error) -> inFlightWhenAnswered.add(limit.inFlight()));
    attempts.get(0).complete("ok");
    // A caller that starts its next call from the answer finds the permit free.
    assertThat(inFlightWhenAnswered).containsExactly(0);
  }
}
