package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.GiveUpReason;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hedged call's state is touched from many threads: the one that moves time here, and the
 * ones its attempts answer on. Whatever path ended the call or changed its plan on one thread
 * (a give-up at the deadline, an error after a retryable failure, a refused hint timer, the
 * deadline timer being armed), an attempt answering afterwards on another thread is handled at
 * once: a late answer is released as {@code LATE}, an answer the call still waits for ends it.
 * Each wait is bounded, so an engine that kept its lock fails the test instead of hanging it.
 */
class HedgeAnswersFromOtherThreadsTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> events = new CopyOnWriteArrayList<>();
  /** Each attempt's answer, completed by the test; the engine sees it through a stage it cannot cancel. */
  private final List<CompletableFuture<String>> answers = new CopyOnWriteArrayList<>();
  private final ExecutorService other = Executors.newSingleThreadExecutor();

  private final OutcomeHandler<String> handler = OutcomeHandler.<String>builder()
      .classifier((result, error) -> {
        if (error != null) {
          return error instanceof IOException ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
        }
        return result.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS;
      })
      .serverHint((result, error) -> result != null && result.contains("retry=100") ? Duration.ofMillis(100) : null)
      .build();

  /** Every attempt waits for the test; a cancelled one keeps running, as a blocking call would. */
  private final AsyncAttempt<String> answeredByTheTest = context -> {
    CompletableFuture<String> answer = new CompletableFuture<>();
    answers.add(answer);
    return answer.minimalCompletionStage();
  };

  @AfterEach
  void stop() throws InterruptedException {
    other.shutdownNow();
    assertThat(other.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    clock.assertNoPendingTasks();
  }

  private HedgePolicy.Builder policy() {
    return HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10)))
        .onAttempt(e -> events.add("start #" + e.attempt()))
        .onDiscard(e -> events.add("discard #" + e.attempt() + " " + e.reason() + " " + e.result()))
        .onComplete(e -> events.add(e.outcome() + " attempts=" + e.attempts()));
  }

  /** Completes attempt n's answer on the other thread and waits (bounded) until that is handled. */
  private void answerElsewhere(int attempt, String value) throws Exception {
    other.submit(() -> answers.get(attempt - 1).complete(value)).get(5, TimeUnit.SECONDS);
  }

  private void failElsewhere(int attempt, Throwable error) throws Exception {
    other.submit(() -> answers.get(attempt - 1).completeExceptionally(error)).get(5, TimeUnit.SECONDS);
  }

  @Test
  void aLateAnswerAfterADeadlineGiveUpIsReleased() throws Exception {
    Hedge hedge = Hedge.of(policy().maxAttempts(2).deadline(Duration.ofMillis(50)).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(answeredByTheTest, handler);
    clock.advanceMillis(50);
    assertThat(call).isCompletedExceptionally();

    answerElsewhere(1, "late one");
    answerElsewhere(2, "late two");
    assertThat(events).containsExactly("start #1", "start #2", "ALL_FAILED attempts=2", "discard #1 LATE late one", "discard #2 LATE late two");
  }

  @Test
  void aLateAnswerAfterAnErrorEndedTheCallIsReleased() throws Exception {
    Hedge hedge = Hedge.of(policy().maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(answeredByTheTest, handler);
    clock.advanceMillis(10);
    answers.get(1).completeExceptionally(new IOException("reset")); // #3 starts at once
    answers.get(2).completeExceptionally(new IllegalStateException("bug"));
    assertThat(call).isCompletedExceptionally();
    assertThat(call.handle((r, e) -> e).getNow(null)).isInstanceOf(IllegalStateException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("reset"));

    answerElsewhere(1, "late");
    assertThat(events).containsExactly("start #1", "start #2", "start #3", "FAILED attempts=3", "discard #1 LATE late");
  }

  @Test
  void anAnswerAfterTheSchedulerRefusedAHintedHedgeEndsTheCall() throws Exception {
    Scheduler refusesTheHint = (task, delay) -> {
      if (delay.equals(Duration.ofMillis(100))) {
        throw new RejectedExecutionException("shut down");
      }
      return clock.schedule(task, delay);
    };
    Hedge hedge = Hedge.of(policy().maxAttempts(3).build(), clock, refusesTheHint);
    CompletableFuture<String> call = hedge.executeAsync(answeredByTheTest, handler);
    clock.advanceMillis(10);
    answers.get(1).complete("503 retry=100");
    assertThat(call).isNotDone();

    failElsewhere(1, new IOException("reset"));
    assertThat(call.handle((r, e) -> e).getNow(null)).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED));
  }

  @Test
  void anAnswerToACallWithADeadlineEndsTheCall() throws Exception {
    Hedge hedge = Hedge.of(policy().deadline(Duration.ofSeconds(1)).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(answeredByTheTest, handler);

    answerElsewhere(1, "ok");
    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly("start #1", "SUCCEEDED attempts=1");
  }

  @Test
  void anAnswerAfterTheBreakerRefusedAHedgeEndsTheCall() throws Exception {
    CircuitOpenException open = new CircuitOpenException("backend", CircuitState.OPEN);
    Hedge hedge = Hedge.of(policy().maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(
        context -> context.attempt() == 2 ? CompletableFuture.failedFuture(open) : answeredByTheTest.start(context), handler);
    clock.advanceMillis(10);
    assertThat(call).as("the refusal only stops hedging").isNotDone();

    answerElsewhere(1, "ok");
    assertThat(call).isCompletedWithValue("ok");
    assertThat(answers).hasSize(1);
  }

  @Test
  void anAnswerAfterTheBudgetRefusedAHedgeEndsTheCall() throws Exception {
    RetryAdmission refuseHedges = attempt -> false;
    Hedge hedge = Hedge.of(policy().maxAttempts(3).admission(refuseHedges).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(answeredByTheTest, handler);
    clock.advanceMillis(10);
    assertThat(call).as("the refusal only stops hedging").isNotDone();

    answerElsewhere(1, "ok");
    assertThat(call).isCompletedWithValue("ok");
  }

  @Test
  void anAnswerAfterAServerHintedHedgeStartedEndsTheCall() throws Exception {
    Hedge hedge = Hedge.of(policy().maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(answeredByTheTest, handler);
    answers.get(0).complete("503 retry=100");
    clock.advanceMillis(100);
    assertThat(answers).as("the hinted hedge started").hasSize(2);

    answerElsewhere(2, "ok");
    assertThat(call).isCompletedWithValue("ok");
  }
}
