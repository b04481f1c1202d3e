package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptRecord;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.GiveUpReason;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryAdmission;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a hedged call reports about itself: the times in its events and attempt records (read
 * from a clock that does not start at zero, so an offset computed the wrong way round shows),
 * which attempt each released result came from and why, and what a give-up carries. Also the
 * corners where a refusal (budget, scheduler) meets an attempt still running. Outcomes are read
 * with {@code getNow}-style checks, never a blocking join, so a broken engine fails the test
 * instead of hanging it.
 */
class HedgeReportsTest {
  /** An hour into the clock's life: every time the engine reports must be relative to the call. */
  private static final long START = Duration.ofHours(1).toNanos();

  private final FakeClock clock = new FakeClock(START);
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final List<CompletableFuture<String>> attempts = Collections.synchronizedList(new ArrayList<>());

  /** "503..." is retryable, "!x" an IOException (retryable), anything else a success. */
  private final OutcomeHandler<String> handler =
      OutcomeHandler.<String>builder()
          .classifier((result, error) -> error != null || result.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS)
          .serverHint((result, error) -> {
            if (result == null || !result.contains("retry=")) {
              return null;
            }
            return Duration.ofMillis(Long.parseLong(result.substring(result.indexOf("retry=") + 6)));
          })
          .build();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  private long ms() {
    return Duration.ofNanos(clock.nanoTime() - START).toMillis();
  }

  private HedgePolicy.Builder policy(long hedgeDelayMillis) {
    return HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(hedgeDelayMillis)))
        .onAttempt(e -> events.add("t=" + ms() + " start #" + e.attempt() + " " + e.kind() + " since=" + e.sinceCallStart().toMillis()))
        .onHedge(e -> events.add("t=" + ms() + " hedge #" + e.attempt() + " " + e.trigger() + " since=" + e.sinceCallStart().toMillis()))
        .onDiscard(e -> events.add("t=" + ms() + " discard #" + e.attempt() + " " + e.reason() + " " + e.result()))
        .onComplete(e -> events.add("t=" + ms() + " " + e.outcome() + " winner=" + e.winner() + " attempts=" + e.attempts()
            + " elapsed=" + e.elapsed().toMillis()));
  }

  /** Attempt n takes millis[n-1], then returns outcomes[n-1] ("!" prefix: IOException); null: never answers. */
  private AsyncAttempt<String> script(long[] millis, String[] outcomes) {
    return context -> {
      int n = context.attempt();
      CompletableFuture<String> future = new CompletableFuture<>();
      attempts.add(future);
      String outcome = outcomes[n - 1];
      if (outcome != null) {
        clock.schedule(() -> {
          if (outcome.startsWith("!")) {
            future.completeExceptionally(new IOException(outcome.substring(1)));
          } else {
            future.complete(outcome);
          }
        }, Duration.ofMillis(millis[n - 1]));
      }
      return future;
    };
  }

  private static Throwable failureOf(CompletableFuture<?> call) {
    assertThat(call).as("the call has ended").isDone();
    return call.handle((result, error) -> error).getNow(null);
  }

  @Test
  void eventsMeasureTimeFromTheCallsStart() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {100, 3, 4}, new String[] {"slow", "!reset", "ok"}), handler);
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly(
        "t=0 start #1 FIRST since=0",
        "t=10 start #2 HEDGE since=10",
        "t=10 hedge #2 DELAY since=10",
        "t=13 start #3 HEDGE since=13",
        "t=13 hedge #3 FAILURE since=13",
        "t=17 SUCCEEDED winner=3 attempts=3 elapsed=17");
  }

  @Test
  void aGiveUpRecordsEachAttemptsOffsetAndDurationAndReleasesTheLastResultAsGaveUp() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {30, 5, 2}, new String[] {"503 a", "503 b", "503 c"}), handler);
    clock.runUntilIdle();

    Throwable failure = failureOf(call);
    assertThat(failure).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
      // #2 starts at 10 and fails at 15; #3 starts then and fails at 17; #1 fails at 30.
      assertThat(e.attempts()).extracting(AttemptRecord::attempt).containsExactly(2, 3, 1);
      assertThat(e.attempts()).extracting(r -> r.startOffset().orElseThrow().toMillis()).containsExactly(10L, 15L, 0L);
      assertThat(e.attempts()).extracting(r -> r.duration().orElseThrow().toMillis()).containsExactly(5L, 2L, 30L);
    });
    // Each retryable result is released once the next one replaces it, the last when the call
    // gives up, each under the attempt that produced it although they answered out of order.
    assertThat(events).filteredOn(e -> e.contains("discard")).containsExactly(
        "t=17 discard #2 RETRIED 503 b",
        "t=30 discard #3 RETRIED 503 c",
        "t=30 discard #1 GAVE_UP 503 a");
    assertThat(events).last().isEqualTo("t=30 ALL_FAILED winner=0 attempts=3 elapsed=30");
  }

  @Test
  void aRetryableResultKeptWhileAHedgeRunsIsReleasedUnderItsOwnAttemptWhenTheHedgeWins() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5, 3}, new String[] {"503 a", "ok"}), handler);
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).filteredOn(e -> e.contains("discard")).containsExactly("t=8 discard #1 RETRIED 503 a");
  }

  @Test
  void aRetryableResultKeptWhenTheCallerCancelsIsReleasedUnderItsOwnAttempt() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {100, 2, 0}, new String[] {"slow", "503 b", null}), handler);
    clock.advanceMillis(12);
    assertThat(attempts).as("#3 started when #2 failed").hasSize(3);
    call.cancel(true);

    assertThat(events).filteredOn(e -> e.contains("discard")).containsExactly("t=12 discard #2 CALL_ENDED 503 b");
    assertThat(events).last().isEqualTo("t=12 KILLED winner=0 attempts=3 elapsed=12");
    assertThat(attempts.get(0)).isCancelled();
    assertThat(attempts.get(2)).isCancelled();
    clock.runUntilIdle();
  }

  @Test
  void aDeadlineWithNothingFailedYetBlamesTheOldestAttemptForItsFullRunningTime() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).deadline(Duration.ofMillis(50)).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {0, 0}, new String[] {null, null}), handler);
    clock.advanceMillis(50);

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.DEADLINE);
      assertThat(e.getCause()).isInstanceOfSatisfying(AttemptTimeoutException.class, timeout -> {
        assertThat(timeout.attempt()).isEqualTo(1);
        assertThat(timeout.timeout()).isEqualTo(Duration.ofMillis(50));
      });
    });
    assertThat(attempts).allSatisfy(attempt -> assertThat(attempt).isCancelled());
  }

  @Test
  void aRefusedHedgeIsNotAskedForAgainWhenTheRunningAttemptThenFails() {
    List<Integer> asked = Collections.synchronizedList(new ArrayList<>());
    RetryAdmission refuseHedges = attempt -> {
      asked.add(attempt);
      return false;
    };
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).admission(refuseHedges).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {30}, new String[] {"!reset"}), handler);
    clock.runUntilIdle();

    assertThat(asked).as("only the timed hedge asked; the failure did not ask again").containsExactly(2);
    assertThat(attempts).hasSize(1);
    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.ADMISSION_DENIED);
      assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("reset");
      assertThat(e.getSuppressed()).singleElement().isInstanceOfSatisfying(BudgetExhaustedException.class,
          denied -> assertThat(denied.attempt()).isEqualTo(2));
    });
  }

  @Test
  void aSchedulerThatRefusesAServerHintedHedgeEndsTheCallWhenTheLastAttemptFails() {
    // The primary runs until 30 ms; hedge #2 fails at 12 ms with a 100 ms hint whose timer the
    // scheduler refuses: no hedge may start any more, and the primary's failure ends the call.
    Scheduler refusesTheHint = (task, delay) -> {
      if (delay.equals(Duration.ofMillis(100))) {
        throw new RejectedExecutionException("shut down");
      }
      return clock.schedule(task, delay);
    };
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, refusesTheHint);
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {30, 2}, new String[] {"!reset", "503 retry=100"}), handler);
    clock.advanceMillis(29);
    assertThat(call).as("the primary still runs").isNotDone();
    clock.advanceMillis(1);

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED);
      assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("reset");
    });
    assertThat(attempts).hasSize(2);
  }

  @Test
  void aSchedulerThatRefusesAServerHintedHedgeWithNothingRunningEndsTheCallAtOnce() {
    Scheduler refusesTheHint = (task, delay) -> {
      if (delay.equals(Duration.ofMillis(100))) {
        throw new RejectedExecutionException("shut down");
      }
      return clock.schedule(task, delay);
    };
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, refusesTheHint);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"503 retry=100"}), handler);
    clock.advanceMillis(5);

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED));
    assertThat(attempts).hasSize(1);
    assertThat(events).contains("t=5 discard #1 GAVE_UP 503 retry=100");
  }

  @Test
  void eachAttemptIsToldTheTimeLeftBeforeTheDeadlineWhateverTheClockReads() {
    List<Long> timeouts = Collections.synchronizedList(new ArrayList<>());
    AsyncAttempt<String> script = script(new long[] {100, 100, 5}, new String[] {"a", "b", "c"});
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).deadline(Duration.ofMillis(50)).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(context -> {
      timeouts.add(context.timeout().orElseThrow().toMillis());
      return script.start(context);
    }, handler);
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("c");
    assertThat(timeouts).containsExactly(50L, 40L, 30L);
  }

  @Test
  void aServerHintWithinTheDeadlinePostponesTheHedgeWhateverTheClockReads() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).deadline(Duration.ofMillis(100)).build(), clock, clock);
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {5, 1}, new String[] {"503 retry=90", "ok"}), handler);
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).contains("t=95 hedge #2 SERVER_HINT since=95");
  }

  @Test
  void theAdmissionIsAskedForTheAttemptAFailureStartsAndNeverPastMaxAttempts() {
    List<Integer> asked = Collections.synchronizedList(new ArrayList<>());
    RetryAdmission recording = attempt -> {
      asked.add(attempt);
      return true;
    };
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).admission(recording).build(), clock, clock);
    CompletableFuture<String> failedFirst =
        hedge.executeAsync(script(new long[] {3, 5}, new String[] {"!reset", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(failedFirst).isCompletedWithValue("ok");
    assertThat(asked).containsExactly(2);

    asked.clear();
    attempts.clear();
    CompletableFuture<String> hinted =
        hedge.executeAsync(script(new long[] {3, 5}, new String[] {"503 retry=20", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(hinted).isCompletedWithValue("ok");
    assertThat(asked).as("the server-hinted hedge asks for attempt 2 too").containsExactly(2);

    asked.clear();
    attempts.clear();
    CompletableFuture<String> slow = hedge.executeAsync(script(new long[] {100, 100}, new String[] {"a", "b"}), handler);
    clock.advanceMillis(60);
    assertThat(asked).as("one hedge asked for; no timer after the last attempt").containsExactly(2);
    assertThat(clock.pendingTasks()).as("only the two attempts' answers").isEqualTo(2);
    clock.runUntilIdle();
    assertThat(slow).isCompletedWithValue("a");
  }

  @Test
  void theDelayLearnsTheWinnersLatencyAndTheLosersAsCensored() {
    List<String> recorded = Collections.synchronizedList(new ArrayList<>());
    HedgeDelay learning = new HedgeDelay() {
      @Override
      public long delayNanos(int hedge, RandomGenerator random) {
        return Duration.ofMillis(10).toNanos();
      }

      @Override
      public void record(long nanos, boolean completed) {
        recorded.add(Duration.ofNanos(nanos).toMillis() + (completed ? " completed" : " cancelled"));
      }
    };
    Hedge hedge = Hedge.of(HedgePolicy.builder(learning).maxAttempts(2).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {100, 15}, new String[] {"slow", "fast"}), handler);
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("fast");
    assertThat(recorded).containsExactly("15 completed", "25 cancelled");
  }

  @Test
  void aGiveUpReturnsTheLastRetryableResultWhenTheHandlerAsksForIt() {
    OutcomeHandler<String> keepLast = OutcomeHandler.<String>builder()
        .classifier((result, error) -> error != null || result.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS)
        .returnLastResultOnGiveUp(true)
        .build();
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).build(), clock, clock);
    CompletableFuture<String> lastIsAResult =
        hedge.executeAsync(script(new long[] {30, 5}, new String[] {"503 a", "503 b"}), keepLast);
    clock.runUntilIdle();
    assertThat(lastIsAResult).isCompletedWithValue("503 a");
    assertThat(events).filteredOn(e -> e.contains("discard")).containsExactly("t=30 discard #2 RETRIED 503 b");

    events.clear();
    attempts.clear();
    CompletableFuture<String> lastIsAnError =
        hedge.executeAsync(script(new long[] {30, 5}, new String[] {"!reset", "503 b"}), keepLast);
    clock.runUntilIdle();
    assertThat(failureOf(lastIsAnError)).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("reset"));
  }

  @Test
  void aHedgeTheBreakerRefusesStopsHedgingEvenWhenTheRunningAttemptThenFails() {
    CircuitOpenException open = new CircuitOpenException("backend", CircuitState.OPEN);
    AsyncAttempt<String> script = script(new long[] {30, 0, 1}, new String[] {"!reset", null, "never"});
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(context -> context.attempt() == 2
        ? CompletableFuture.failedFuture(open) : script.start(context), handler);
    clock.runUntilIdle();

    assertThat(attempts).as("#1 only; #2 was refused, #3 never started").hasSize(1);
    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.ADMISSION_DENIED);
      assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("reset");
      assertThat(e.getSuppressed()).containsExactly(open);
    });
  }

  @Test
  void aDeadlineTimerThatFiresBeforeItIsArmedEndsTheCallAndIsCancelled() {
    AtomicInteger cancelled = new AtomicInteger();
    Scheduler firesAtOnce = (task, delay) -> {
      task.run();
      return new Cancellable() {
        @Override
        public boolean cancel() {
          cancelled.incrementAndGet();
          return false;
        }
      };
    };
    Hedge hedge = Hedge.of(policy(10).deadline(Duration.ofMillis(50)).build(), clock, firesAtOnce);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"ok"}), handler);

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.DEADLINE));
    assertThat(attempts).as("no attempt starts after the deadline").isEmpty();
    assertThat(cancelled).hasValue(1);
  }

  @Test
  void aGiveUpSummarisesTheResultsItRecordsButNotTheErrors() {
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {30, 5}, new String[] {"!reset", "503 b"}), handler);
    clock.runUntilIdle();

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.attempts()).extracting(AttemptRecord::attempt).containsExactly(2, 1);
      AttemptRecord result = e.attempts().get(0);
      assertThat(result.resultSummary()).isPresent();
      assertThat(result.error()).isEmpty();
      AttemptRecord error = e.attempts().get(1);
      assertThat(error.resultSummary()).isEmpty();
      assertThat(error.error()).containsInstanceOf(IOException.class);
    });
  }

  @Test
  void aBreakerRefusalThatArrivesLaterRemovesThePendingHedgeTimer() {
    CircuitOpenException open = new CircuitOpenException("backend", CircuitState.OPEN);
    AsyncAttempt<String> script = script(new long[] {100}, new String[] {"ok"});
    Hedge hedge = Hedge.of(policy(10).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(context -> {
      if (context.attempt() == 2) {
        CompletableFuture<String> refused = new CompletableFuture<>();
        clock.schedule(() -> refused.completeExceptionally(open), Duration.ofMillis(1));
        return refused;
      }
      return script.start(context);
    }, handler);
    clock.advanceMillis(11);

    assertThat(call).isNotDone();
    assertThat(clock.pendingTasks()).as("only the primary's answer; hedge #3's timer is gone").isEqualTo(1);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(attempts).hasSize(1);
  }

  @Test
  void aCallTheAdmissionRefusesOutrightSendsNothing() {
    RetryAdmission throttled = new RetryAdmission() {
      @Override
      public boolean admit(int attempt) {
        return true;
      }

      @Override
      public boolean admitRequest() {
        return false;
      }
    };
    Hedge hedge = Hedge.of(policy(10).admission(throttled).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"ok"}), handler);

    assertThat(failureOf(call)).isInstanceOfSatisfying(BudgetExhaustedException.class, e -> assertThat(e.attempt()).isEqualTo(1));
    assertThat(attempts).isEmpty();
  }

  @Test
  void aHedgeRefusedUnderKillCallEndsTheCallAsKilledAndSaysSo() {
    Hedge hedge = Hedge.of(policy(10).admission(attempt -> false).whenHedgeRefused(HedgePolicy.RefusedHedge.KILL_CALL).build(),
        clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {100}, new String[] {"slow"}), handler);
    clock.advanceMillis(10);

    assertThat(Hedge.isKilled(failureOf(call))).isTrue();
    assertThat(events).last().isEqualTo("t=10 KILLED winner=0 attempts=1 elapsed=10");
    assertThat(attempts.get(0)).isCancelled();
    clock.runUntilIdle();
  }

  @Test
  void aSchedulerThatRefusesTheDeadlineTimerEndsTheCallAndSaysSo() {
    Hedge hedge = Hedge.of(policy(10).deadline(Duration.ofSeconds(1)).build(), clock, (task, delay) -> {
      throw new RejectedExecutionException("shut down");
    });
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"ok"}), handler);

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED));
    assertThat(events).containsExactly("t=0 ALL_FAILED winner=0 attempts=0 elapsed=0");
  }

  @Test
  void aHedgeCancelledWhileItStartsHasItsFutureCancelled() {
    // Starting hedge #2 lets the primary answer first (as a blocking adapter might): the call is
    // won before #2's future is known, and that future must then be cancelled, not left running.
    Hedge hedge = Hedge.of(policy(10).maxAttempts(2).build(), clock, clock);
    CompletableFuture<String> primary = new CompletableFuture<>();
    CompletableFuture<String> hedged = new CompletableFuture<>();
    CompletableFuture<String> call = hedge.executeAsync(context -> {
      if (context.attempt() == 1) {
        return primary;
      }
      primary.complete("primary");
      return hedged;
    }, handler);
    clock.advanceMillis(10);

    assertThat(call).isCompletedWithValue("primary");
    assertThat(hedged).isCancelled();
  }

  @Test
  void aDelayThatThrowsMeansNoTimedHedgeAndThePrimaryDecides() {
    HedgeDelay broken = (hedge, random) -> {
      throw new IllegalStateException("broken delay");
    };
    Hedge hedge = Hedge.of(HedgePolicy.builder(broken).maxAttempts(2).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {50}, new String[] {"ok"}), handler);
    assertThat(clock.pendingTasks()).as("only the primary's answer").isEqualTo(1);
    clock.runUntilIdle();

    assertThat(call).isCompletedWithValue("ok");
    assertThat(attempts).hasSize(1);
  }

  @Test
  void aPipelinesAttemptTimeoutEndsEachHedgedAttemptThatHangs() {
    Pipeline pipeline = Pipeline.builder()
        .hedge(policy(10).maxAttempts(2).build())
        .timeout(Timeout.of(Duration.ofMillis(5)))
        .clock(clock).scheduler(clock)
        .build();
    CompletableFuture<String> call = pipeline.executeAsync(script(new long[] {0, 0}, new String[] {null, null}), handler);
    clock.advanceMillis(5);
    assertThat(attempts).as("#1 timed out at 5 ms; the failure started #2 at once").hasSize(2);
    clock.advanceMillis(5);

    assertThat(failureOf(call)).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
      assertThat(e.attempts()).extracting(r -> r.error().orElseThrow()).allSatisfy(
          error -> assertThat(error).isInstanceOf(AttemptTimeoutException.class));
    });
    assertThat(attempts).allSatisfy(attempt -> assertThat(attempt).isCancelled());
  }
}
