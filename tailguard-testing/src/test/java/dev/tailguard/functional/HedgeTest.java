package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.Backoff;
import dev.tailguard.CallKilledException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import dev.tailguard.event.HedgeCompletedEvent;
import dev.tailguard.event.HedgeStartedEvent;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HedgeTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final List<String> discarded = Collections.synchronizedList(new ArrayList<>());
  private final Map<Integer, AtomicInteger> cancelHooks = new ConcurrentHashMap<>();
  private final List<CompletableFuture<String>> attempts = Collections.synchronizedList(new ArrayList<>());

  private final OutcomeHandler<String> handler =
      OutcomeHandler.<String>builder()
          .classifier((result, error) -> {
            if (error != null) {
              return error instanceof IOException ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
            }
            return result.startsWith("503") ? Verdict.RETRYABLE : Verdict.SUCCESS;
          })
          .onDiscard(discarded::add)
          .build();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  private HedgePolicy.Builder policy(HedgeDelay delay) {
    return HedgePolicy.builder(delay)
        .onHedge(e -> events.add("t=" + ms() + " hedge #" + e.attempt() + " " + e.trigger()))
        .onComplete(e -> events.add("t=" + ms() + " " + e.outcome() + " winner=" + e.winner() + " attempts=" + e.attempts()));
  }

  private long ms() {
    return Duration.ofNanos(clock.nanoTime()).toMillis();
  }

  /** Attempt n takes millis[n-1] and then returns results[n-1] ("!" prefix = IOException). */
  private AsyncAttempt<String> script(long[] millis, String[] outcomes) {
    return context -> {
      int n = context.attempt();
      context.onCancel(() -> cancelHooks.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet());
      CompletableFuture<String> future = new CompletableFuture<>();
      attempts.add(future);
      String outcome = outcomes[n - 1];
      clock.schedule(() -> {
        if (outcome.startsWith("!")) {
          future.completeExceptionally(new IOException(outcome.substring(1)));
        } else if (outcome.startsWith("X")) {
          future.completeExceptionally(new IllegalStateException(outcome));
        } else {
          future.complete(outcome);
        }
      }, Duration.ofMillis(millis[n - 1]));
      return future;
    };
  }

  @Test
  void aSlowPrimaryIsBeatenByTheHedgeAndCancelled() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {100, 15}, new String[] {"slow", "fast"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("fast");
    assertThat(events).containsExactly("t=10 hedge #2 DELAY", "t=25 SUCCEEDED winner=2 attempts=2");
    assertThat(attempts.get(0)).isCancelled();
    assertThat(cancelHooks).containsOnlyKeys(1);
    assertThat(cancelHooks.get(1)).hasValue(1);
  }

  @Test
  void aFastPrimaryNeedsNoHedgeAndLeavesNoTimer() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {5}, new String[] {"ok"}), handler);
    clock.advance(Duration.ofMillis(5));
    assertThat(call).isCompletedWithValue("ok");
    assertThat(clock.pendingTasks()).isZero();
    assertThat(events).containsExactly("t=5 SUCCEEDED winner=1 attempts=1");
  }

  @Test
  void aRetryableFailureStartsTheNextHedgeAtOnce() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {3, 100, 4}, new String[] {"!reset", "slow", "ok"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(events).containsExactly("t=3 hedge #2 FAILURE", "t=53 hedge #3 DELAY", "t=57 SUCCEEDED winner=3 attempts=3");
  }

  @Test
  void whenEveryAttemptFailsTheCallFailsWithAllTheirErrors() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {30, 30, 30}, new String[] {"!a", "!b", "!c"}), handler);
    clock.runUntilIdle();
    Throwable failure = call.handle((r, e) -> e).join();
    assertThat(failure).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
      assertThat(e.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
      assertThat(e.attempts()).hasSize(3);
      assertThat(e.getCause()).hasMessage("c");
      assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("a", "b");
    });
    assertThat(events).last().isEqualTo("t=50 ALL_FAILED winner=0 attempts=3");
  }

  @Test
  void anErrorFromAHedgeEndsTheCallAtOnceAndCancelsTheOthers() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3).build(), clock, clock);
    AssertionError error = new AssertionError("boom");
    AsyncAttempt<String> slowThenError = context -> {
      if (context.attempt() == 1) {
        return script(new long[] {100}, new String[] {"late"}).start(context);
      }
      context.onCancel(() -> cancelHooks.computeIfAbsent(context.attempt(), k -> new AtomicInteger()).incrementAndGet());
      return CompletableFuture.failedFuture(error);
    };
    CompletableFuture<String> call = hedge.executeAsync(slowThenError, handler);
    clock.runUntilIdle();
    assertThat(call.handle((r, e) -> e).join()).isSameAs(error);
    assertThat(attempts.get(0)).as("the first attempt is cancelled").isCancelled();
    assertThat(cancelHooks).doesNotContainKey(3);
  }

  @Test
  void aRetryableResultThatEndsTheCallIsReleased() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {30, 30}, new String[] {"503 a", "503 b"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedExceptionally();
    assertThat(discarded).containsExactlyInAnyOrder("503 a", "503 b");
  }

  @Test
  void aNonRetryableOutcomeCommitsAndCancelsTheRest() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {100, 5}, new String[] {"slow", "Xbad"}), handler);
    clock.runUntilIdle();
    assertThat(call.handle((r, e) -> e).join()).isInstanceOf(IllegalStateException.class).hasMessage("Xbad");
    assertThat(cancelHooks.get(1)).hasValue(1);
    assertThat(events).last().isEqualTo("t=15 FAILED winner=2 attempts=2");
  }

  @Test
  void cancellingTheCallKillsEveryAttempt() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {100, 100, 100}, new String[] {"a", "b", "c"}), handler);
    clock.advance(Duration.ofMillis(15));
    call.cancel(true);
    assertThat(Hedge.isKilled(call.handle((r, e) -> e).join())).isTrue();
    assertThat(attempts).hasSize(2).allSatisfy(a -> assertThat(a).isCancelled());
    assertThat(cancelHooks).containsOnlyKeys(1, 2);
    assertThat(events).last().isEqualTo("t=15 KILLED winner=0 attempts=2");
    clock.runUntilIdle(); // the scripted completions fire into cancelled futures
    assertThat(attempts).hasSize(2);
  }

  @Test
  void aLosersLateResultIsDiscardedExactlyOnce() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).build(), clock, clock);
    // minimalCompletionStage: cancelling the copy cannot stop the original, so the loser answers.
    AsyncAttempt<String> uncancellable = context -> script(new long[] {40, 5}, new String[] {"late loser", "winner"})
        .start(context).toCompletableFuture().minimalCompletionStage();
    CompletableFuture<String> call = hedge.executeAsync(uncancellable, handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("winner");
    assertThat(discarded).containsExactly("late loser");
  }

  @Test
  void aBudgetThatRefusesTheHedgeEndsACallWithNothingRunning_grpcJava7222() {
    RetryBudget empty = RetryBudget.tokenBucket().maxTokens(2).build();
    empty.record(Verdict.RETRYABLE);
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).admission(empty).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {3}, new String[] {"!down"}), handler);
    clock.advance(Duration.ofMillis(3));
    assertThat(call.handle((r, e) -> e).join()).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.reason()).isEqualTo(GiveUpReason.ADMISSION_DENIED));
  }

  @Test
  void aRefusedTimedHedgeLetsThePrimaryFinish() {
    RetryBudget empty = RetryBudget.tokenBucket().maxTokens(2).build();
    empty.record(Verdict.RETRYABLE);
    Hedge hedge = Hedge.of(policy(HedgeDelay.fixed(Duration.ofMillis(10))).admission(empty).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {30}, new String[] {"slow but fine"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("slow but fine");
    assertThat(events).containsExactly("t=30 SUCCEEDED winner=1 attempts=1");
  }

  @Test
  void successiveHedgesFollowABackoffSchedule() {
    Hedge hedge = Hedge.of(policy(HedgeDelay.schedule(Backoff.exponential(Duration.ofMillis(10), Duration.ofSeconds(1)))).maxAttempts(4).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(script(new long[] {500, 500, 500, 1}, new String[] {"a", "b", "c", "d"}), handler);
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("d");
    // Hedge k waits 10·2^(k-1) ms after the attempt before it.
    assertThat(events).containsExactly("t=10 hedge #2 DELAY", "t=30 hedge #3 DELAY", "t=70 hedge #4 DELAY", "t=71 SUCCEEDED winner=4 attempts=4");
  }

  @Test
  void everyLosersCancelHookAndDiscardRunExactlyOnceUnderRandomTimings() {
    SplittableRandom random = new SplittableRandom(11);
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(5))).maxAttempts(3).build(), clock, clock);
    Map<String, AtomicInteger> hooks = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> discards = new ConcurrentHashMap<>();
    OutcomeHandler<String> counting = OutcomeHandler.<String>builder()
        .onDiscard(r -> discards.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet()).build();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int c = 0; c < 2_000; c++) {
      int callId = c;
      long[] latency = {random.nextInt(20), random.nextInt(20), random.nextInt(20)};
      calls.add(hedge.executeAsync(context -> {
        String id = callId + "/" + context.attempt();
        context.onCancel(() -> hooks.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet());
        CompletableFuture<String> backend = new CompletableFuture<>();
        clock.schedule(() -> backend.complete(id), Duration.ofMillis(latency[context.attempt() - 1]));
        return backend.minimalCompletionStage(); // losers answer anyway: each must be discarded
      }, counting));
      if (c % 7 == 0) {
        clock.advance(Duration.ofMillis(random.nextInt(8)));
        if (c % 21 == 0) {
          calls.get(c).cancel(true);
        }
      }
    }
    clock.runUntilIdle();
    assertThat(hooks.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    assertThat(discards.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    for (CompletableFuture<String> call : calls) {
      assertThat(call).isDone();
      if (!call.isCancelled()) {
        String winner = call.join();
        assertThat(discards).doesNotContainKey(winner);
      }
    }
  }

  @Test
  void syncHedgingInterruptsTheLosingThread() throws Exception {
    CountDownLatch primaryStarted = new CountDownLatch(1);
    CountDownLatch primaryInterrupted = new CountDownLatch(1);
    Hedge hedge = Hedge.builder(HedgePolicy.builder(HedgeDelay.fixed(Duration.ZERO)).build()).scheduler(Scheduler.system()).build();
    String result = hedge.execute(context -> {
      if (context.attempt() == 1) {
        primaryStarted.countDown();
        try {
          new CountDownLatch(1).await(30, TimeUnit.SECONDS); // a call stuck on a dead server
          return "primary";
        } catch (InterruptedException interrupted) {
          primaryInterrupted.countDown();
          throw interrupted;
        }
      }
      assertThat(primaryStarted.await(10, TimeUnit.SECONDS)).isTrue();
      return "hedge";
    });
    assertThat(result).isEqualTo("hedge");
    assertThat(primaryInterrupted.await(10, TimeUnit.SECONDS)).as("the loser's thread was interrupted").isTrue();
  }

  @Test
  void anInterruptedSyncCallerKillsTheCallAndKeepsItsFlag() throws Exception {
    CountDownLatch running = new CountDownLatch(2);
    CountDownLatch cancelled = new CountDownLatch(2);
    Hedge hedge = Hedge.builder(HedgePolicy.builder(HedgeDelay.fixed(Duration.ZERO)).build()).scheduler(Scheduler.system()).build();
    Thread caller = Thread.currentThread();
    Thread interrupter = new Thread(() -> {
      try {
        running.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException ignored) {
        return;
      }
      caller.interrupt();
    });
    interrupter.start();
    try {
      assertThatThrownBy(() -> hedge.execute(context -> {
            context.onCancel(cancelled::countDown);
            running.countDown();
            new CountDownLatch(1).await(30, TimeUnit.SECONDS);
            return "never";
          }))
          .isInstanceOf(CallKilledException.class)
          .satisfies(e -> assertThat(Hedge.isKilled(e)).isTrue());
      assertThat(Thread.interrupted()).as("flag restored, then cleared here").isTrue();
      assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      interrupter.join(10_000);
    }
  }

  @Test
  void theAdaptiveDelayLearnsTheBudgetQuantile() throws ExecutionException, InterruptedException {
    HedgeDelay adaptive = HedgeDelay.adaptive(0.05).clock(clock).refresh(Duration.ofMillis(100)).build();
    Hedge hedge = Hedge.of(HedgePolicy.builder(adaptive).build(), clock, clock);
    assertThat(adaptive.currentDelay()).as("no hedging before enough samples").isEmpty();
    for (int i = 0; i < 2_000; i++) {
      long latency = 1 + (i % 100); // uniform 1..100 ms
      CompletableFuture<String> call = hedge.executeAsync(() -> {
        CompletableFuture<String> f = new CompletableFuture<>();
        clock.schedule(() -> f.complete("ok"), Duration.ofMillis(latency));
        return f;
      }, handler);
      clock.runUntilIdle();
      call.get();
    }
    // p95 of 1..100 ms is about 95 ms; hedged attempts are cancelled and counted as censored.
    assertThat(adaptive.currentDelay()).hasValueSatisfying(d -> assertThat(d.toMillis()).isBetween(90L, 100L));
  }

  @Test
  void rejectsBadPolicySettings() {
    assertThatThrownBy(() -> HedgePolicy.builder(HedgeDelay.fixed(Duration.ZERO)).maxAttempts(11)).hasMessage("maxAttempts must be in [1, 10]: 11");
    assertThatThrownBy(() -> HedgePolicy.builder(null)).hasMessage("delay must not be null");
    assertThatThrownBy(() -> HedgeDelay.adaptive(0)).hasMessage("budget must be in (0, 1): 0.0");
    assertThatThrownBy(() -> HedgeDelay.fixed(Duration.ofMillis(-1))).hasMessage("delay must be >= 0: PT-0.001S");
  }
}
