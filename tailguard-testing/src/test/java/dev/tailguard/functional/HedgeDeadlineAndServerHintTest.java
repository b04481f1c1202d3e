package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 11: a hedged call has a deadline, and a retryable outcome's server hint (read
 * from {@link OutcomeHandler#serverHint()}, as the HTTP and gRPC adapters supply it) decides when
 * the next hedge goes.
 */
class HedgeDeadlineAndServerHintTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final List<String> discarded = Collections.synchronizedList(new ArrayList<>());
  private final Map<Integer, Integer> cancelHooks = new ConcurrentHashMap<>();
  private final List<CompletableFuture<String>> attempts = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> attemptTimeoutsMillis = Collections.synchronizedList(new ArrayList<>());

  /** "503 retry=NNN" is retryable with a hint of NNN ms (negative: stop); "!x" is an IOException. */
  private final OutcomeHandler<String> handler =
      OutcomeHandler.<String>builder()
          .classifier((result, error) -> error != null || result.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS)
          .serverHint((result, error) -> {
            if (result == null || !result.contains("retry=")) {
              return null;
            }
            return Duration.ofMillis(Long.parseLong(result.substring(result.indexOf("retry=") + 6)));
          })
          .onDiscard(discarded::add)
          .build();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  private HedgePolicy.Builder policy(long hedgeDelayMillis) {
    return HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(hedgeDelayMillis)))
        .onHedge(e -> events.add("t=" + ms() + " hedge #" + e.attempt() + " " + e.trigger()))
        .onComplete(e -> events.add("t=" + ms() + " " + e.outcome() + " winner=" + e.winner() + " attempts=" + e.attempts()));
  }

  private long ms() {
    return Duration.ofNanos(clock.nanoTime()).toMillis();
  }

  /** Attempt n takes millis[n-1], then returns outcomes[n-1] ("!" prefix: IOException). */
  private AsyncAttempt<String> script(long[] millis, String[] outcomes) {
    return context -> {
      int n = context.attempt();
      attemptTimeoutsMillis.add(context.timeout().map(Duration::toMillis).orElse(-1L));
      context.onCancel(() -> cancelHooks.merge(n, 1, Integer::sum));
      CompletableFuture<String> future = new CompletableFuture<>();
      attempts.add(future);
      String outcome = outcomes[n - 1];
      clock.schedule(() -> {
        if (outcome.startsWith("!")) {
          future.completeExceptionally(new IOException(outcome.substring(1)));
        } else {
          future.complete(outcome);
        }
      }, Duration.ofMillis(millis[n - 1]));
      return future;
    };
  }

  private Hedge hedge(HedgePolicy policy) {
    return Hedge.of(policy, clock, clock);
  }

  @Test
  void theDeadlineEndsTheCallAndCancelsEveryAttemptStillRunning() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).deadline(Duration.ofMillis(50)).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {200, 200, 200}, new String[] {"a", "b", "c"}), handler);
    clock.advanceMillis(49);
    assertThat(call).isNotDone();
    clock.advanceMillis(1);
    assertThat(call).isCompletedExceptionally();
    Throwable failure = call.handle((r, e) -> e).join();
    assertThat(failure).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.DEADLINE);
      assertThat(e.getCause()).isInstanceOfSatisfying(AttemptTimeoutException.class,
          timeout -> assertThat(timeout.attempt()).isEqualTo(1));
    });
    assertThat(attempts).allSatisfy(future -> assertThat(future).isCancelled());
    assertThat(cancelHooks).containsOnlyKeys(1, 2, 3);
    assertThat(events).containsExactly("t=10 hedge #2 DELAY", "t=20 hedge #3 DELAY", "t=50 ALL_FAILED winner=0 attempts=3");
    // The late answers of the cancelled attempts reach nobody, so they are never produced here;
    // the deadline timer and every hedge timer are gone (checked after each test).
    clock.runUntilIdle();
    assertThat(discarded).isEmpty();
  }

  @Test
  void theDeadlineKeepsTheLastFailureAsTheCause() {
    Hedge hedge = hedge(policy(100).maxAttempts(2).deadline(Duration.ofMillis(30)).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5, 200}, new String[] {"!reset", "slow"}), handler);
    clock.advanceMillis(30);
    Throwable failure = call.handle((r, e) -> e).join();
    assertThat(failure).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.DEADLINE);
      assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("reset");
      assertThat(e.attempts()).hasSize(1);
    });
    assertThat(attempts.get(1)).isCancelled();
    clock.runUntilIdle();
  }

  @Test
  void eachAttemptIsToldTheTimeLeftBeforeTheDeadline() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).deadline(Duration.ofMillis(50)).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {100, 100, 5}, new String[] {"a", "b", "c"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("c");
    assertThat(attemptTimeoutsMillis).containsExactly(50L, 40L, 30L);
  }

  @Test
  void aCallThatSucceedsBeforeTheDeadlineLeavesNoDeadlineTimer() {
    Hedge hedge = hedge(policy(10).deadline(Duration.ofSeconds(5)).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {3}, new String[] {"ok"}), handler);
    clock.advanceMillis(3);
    assertThat(call).isCompletedWithValue("ok");
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void aSchedulerThatRefusesTheDeadlineTimerFailsTheCallBeforeAnyAttempt() {
    Hedge hedge = Hedge.of(policy(10).deadline(Duration.ofSeconds(1)).build(), clock, (task, delay) -> {
      throw new RejectedExecutionException("shut down");
    });
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {3}, new String[] {"ok"}), handler);
    assertThat(call.handle((r, e) -> e).join()).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.SCHEDULER_REJECTED));
    assertThat(attempts).isEmpty();
  }

  @Test
  void aServerHintPostponesTheNextHedgeByExactlyTheHint() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).build());
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {5, 200, 1}, new String[] {"503 retry=40", "slow", "ok"}), handler);
    clock.advanceMillis(44);
    assertThat(attempts).hasSize(1);
    clock.advanceMillis(1);
    assertThat(attempts).hasSize(2);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    // The hinted hedge at 5 + 40 ms; the next one after the normal 10 ms hedge delay again.
    assertThat(events).containsExactly("t=45 hedge #2 SERVER_HINT", "t=55 hedge #3 DELAY", "t=56 SUCCEEDED winner=3 attempts=3");
    assertThat(discarded).containsExactly("503 retry=40");
  }

  @Test
  void aServerHintReplacesAnEarlierPendingHedgeTimer() {
    // Primary slow, hedge #2 at 10 ms fails at 12 ms with a 100 ms hint: hedge #3 waits until 112 ms,
    // although the normal timer after #2 would have fired at 20 ms.
    Hedge hedge = hedge(policy(10).maxAttempts(3).build());
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {500, 2, 1}, new String[] {"slow", "503 retry=100", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly("t=10 hedge #2 DELAY", "t=112 hedge #3 SERVER_HINT", "t=113 SUCCEEDED winner=3 attempts=3");
    assertThat(attempts.get(0)).isCancelled();
  }

  @Test
  void aServerHintIsCappedByMaxServerDelay() {
    Hedge hedge = hedge(policy(10).maxServerDelay(Duration.ofMillis(20)).build());
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {5, 1}, new String[] {"503 retry=3600000", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly("t=25 hedge #2 SERVER_HINT", "t=26 SUCCEEDED winner=2 attempts=2");
  }

  @Test
  void aZeroHintStartsTheNextHedgeAtOnce() {
    Hedge hedge = hedge(policy(10).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5, 1}, new String[] {"503 retry=0", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly("t=5 hedge #2 FAILURE", "t=6 SUCCEEDED winner=2 attempts=2");
  }

  @Test
  void aNegativeHintStopsNewHedgesWhileOutstandingAttemptsContinue() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).build());
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {30, 2, 1}, new String[] {"late ok", "503 retry=-1", "never"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("late ok");
    assertThat(attempts).hasSize(2);
    assertThat(events).containsExactly("t=10 hedge #2 DELAY", "t=30 SUCCEEDED winner=1 attempts=2");
  }

  @Test
  void aNegativeHintWithNothingRunningEndsTheCallAsServerRefused() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"503 retry=-1"}), handler);
    clock.runUntilIdle();
    assertThat(call.handle((r, e) -> e).join()).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.SERVER_REFUSED);
      assertThat(e.lastResultSummary()).contains("String");
    });
    assertThat(attempts).hasSize(1);
    assertThat(discarded).containsExactly("503 retry=-1");
  }

  @Test
  void aHintPastTheDeadlineStopsHedgingAndEndsTheCallWhenNothingRuns() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).deadline(Duration.ofMillis(100)).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"503 retry=95"}), handler);
    clock.advanceMillis(5);
    assertThat(call.handle((r, e) -> e).join()).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.DEADLINE));
    assertThat(attempts).hasSize(1);
  }

  @Test
  void aHintPastTheDeadlineLetsTheAttemptsInFlightFinish() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).deadline(Duration.ofMillis(100)).build());
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {50, 2, 1}, new String[] {"ok", "503 retry=500", "never"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(attempts).hasSize(2);
  }

  @Test
  void aHintlessFailureDoesNotStartAHedgeThatAServerHintHolds() {
    // #2 (hedged at 10 ms) answers 503 with a 50 ms hint at 11 ms; #1 fails without a hint at 20 ms:
    // the server's wait still holds, so #3 starts at 61 ms, not 20 ms.
    Hedge hedge = hedge(policy(10).maxAttempts(3).build());
    CompletableFuture<String> call =
        hedge.executeAsync(script(new long[] {20, 1, 1}, new String[] {"!reset", "503 retry=50", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly("t=10 hedge #2 DELAY", "t=61 hedge #3 SERVER_HINT", "t=62 SUCCEEDED winner=3 attempts=3");
  }

  @Test
  void cancellingACallWhoseHedgeAServerHintHoldsRemovesTheHintTimer() {
    Hedge hedge = hedge(policy(10).maxAttempts(3).build());
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"503 retry=1000"}), handler);
    clock.advanceMillis(5);
    assertThat(clock.pendingTasks()).isEqualTo(1);
    call.cancel(true);
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void rejectsBadDeadlineAndMaxServerDelay() {
    HedgePolicy.Builder builder = HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(1)));
    assertThatThrownBy(() -> builder.deadline(Duration.ZERO)).hasMessage("deadline must be > 0: PT0S");
    assertThatThrownBy(() -> builder.maxServerDelay(Duration.ofMillis(-1))).hasMessage("maxServerDelay must be >= 0: PT-0.001S");
    HedgePolicy policy = builder.deadline(Duration.ofSeconds(2)).maxServerDelay(Duration.ofSeconds(3)).build();
    assertThat(policy.deadline()).contains(Duration.ofSeconds(2));
    assertThat(policy.maxServerDelay()).isEqualTo(Duration.ofSeconds(3));
    assertThat(policy.toBuilder().build().deadline()).contains(Duration.ofSeconds(2));
    assertThat(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(1))).build().maxServerDelay()).isEqualTo(Duration.ofSeconds(60));
  }
}
