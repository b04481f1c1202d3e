package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.Backoff;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A randomized model test of both engines on {@link FakeClock}: random attempt outcomes and
 * timings, hedge and retry timers firing, the caller cancelling or completing the future, and
 * attempts whose futures the engine may cancel or not. After every run:
 *
 * <ul>
 *   <li>the call has exactly one outcome;
 *   <li>every value an attempt produced and the caller did not receive went to {@code onDiscard}
 *       exactly once (a value whose own future Tailguard cancelled is released by the attempt, as
 *       the README tells attempt code to do);
 *   <li>no attempt started after the call ended, and every attempt still running then was
 *       cancelled;
 *   <li>no timer is left on the clock.
 * </ul>
 */
class EngineModelTest {
  /** What an attempt does: 0 answers a value, 1 fails retryably, 2 fails for good, 3 hangs. */
  private static final int VALUE = 0;
  private static final int RETRYABLE = 1;
  private static final int FINAL = 2;

  /** What the caller does at its time: 0 nothing, 1 cancel, 2 complete with its own value. */
  private static final int CANCEL = 1;
  private static final int COMPLETE = 2;

  @Property(tries = 1500)
  void hedgedCallsKeepEveryPromise(
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 1, max = 20) int hedgeDelayMs,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 3) Integer> kinds,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 40) Integer> answerAfterMs,
      @ForAll @IntRange(min = 0, max = 2) int callerAction,
      @ForAll @IntRange(min = 0, max = 60) int callerAtMs,
      @ForAll boolean cancellableFutures) {
    Model model = new Model(kinds, answerAfterMs, cancellableFutures);
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(hedgeDelayMs))).maxAttempts(maxAttempts).build(),
        model.clock, model.clock);
    model.run(hedge.executeAsync(model.attempt, model.handler), callerAction, callerAtMs);
  }

  @Property(tries = 1500)
  void retriedCallsKeepEveryPromise(
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 0, max = 20) int backoffMs,
      @ForAll @IntRange(min = 0, max = 30) int perAttemptTimeoutMs,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 3) Integer> kinds,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 40) Integer> answerAfterMs,
      @ForAll @IntRange(min = 0, max = 2) int callerAction,
      @ForAll @IntRange(min = 0, max = 120) int callerAtMs,
      @ForAll boolean cancellableFutures) {
    Model model = new Model(kinds, answerAfterMs, cancellableFutures);
    RetryPolicy.Builder policy = RetryPolicy.builder().maxAttempts(maxAttempts)
        .backoff(backoffMs == 0 ? Backoff.none() : Backoff.fixed(Duration.ofMillis(backoffMs)));
    // 0 means no per-attempt timeout.
    if (perAttemptTimeoutMs > 0) {
      policy.perAttemptTimeout(Duration.ofMillis(perAttemptTimeoutMs));
    }
    Retry retry = Retry.of(policy.build(), model.clock, model.clock);
    model.run(retry.executeAsync(model.attempt, model.handler), callerAction, callerAtMs);
  }

  /** One run: the scripted attempts, what they produced, and the checks. */
  private static final class Model {
    final FakeClock clock = new FakeClock();
    final List<Integer> kinds;
    final List<Integer> answerAfterMs;
    final boolean cancellableFutures;
    final List<Started> started = new ArrayList<>();
    final List<String> discarded = new CopyOnWriteArrayList<>();
    final List<String> produced = new ArrayList<>();
    final AtomicReference<CompletableFuture<String>> call = new AtomicReference<>();
    final List<String> violations = new ArrayList<>();
    final OutcomeHandler<String> handler = OutcomeHandler.<String>builder()
        .classifier((result, error) -> error == null ? Verdict.SUCCESS
            : error instanceof IOException ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE)
        .onDiscard(discarded::add)
        .build();
    final AsyncAttempt<String> attempt;

    Model(List<Integer> kinds, List<Integer> answerAfterMs, boolean cancellableFutures) {
      this.kinds = kinds;
      this.answerAfterMs = answerAfterMs;
      this.cancellableFutures = cancellableFutures;
      this.attempt = context -> {
        CompletableFuture<String> current = call.get();
        if (current != null && current.isDone()) {
          violations.add("attempt " + context.attempt() + " started after the call ended");
        }
        Started one = new Started(context.attempt(), clock.nanoTime(), new CompletableFuture<>());
        context.onCancel(() -> one.cancelled = true);
        started.add(one);
        return cancellableFutures ? one.future : one.future.minimalCompletionStage();
      };
    }

    void run(CompletableFuture<String> future, int callerAction, int callerAtMs) {
      call.set(future);
      for (int ms = 0; ms <= 200; ms++) {
        if (ms == callerAtMs && callerAction == CANCEL) {
          future.cancel(true);
        } else if (ms == callerAtMs && callerAction == COMPLETE) {
          future.complete("caller");
        }
        answerDue();
        clock.advanceMillis(1);
      }
      // A call whose attempts all hang ends when its caller gives up.
      if (!future.isDone()) {
        future.cancel(true);
      }
      boolean endedRunning = started.stream().anyMatch(s -> !s.answered && !s.cancelled);
      clock.advanceMillis(1_000);
      answerDue();

      assertThat(violations).isEmpty();
      assertThat(future).isDone();
      assertThat(endedRunning).as("an attempt still running when the call ended was not cancelled").isFalse();
      String returned = future.isCompletedExceptionally() ? null : future.join();
      List<String> expectedDiscards = new ArrayList<>(produced);
      if (returned != null) {
        expectedDiscards.remove(returned);
      }
      assertThat(discarded).as("every value nobody received, discarded exactly once")
          .containsExactlyInAnyOrderElementsOf(expectedDiscards);
      clock.assertNoPendingTasks();
    }

    /** Answers every started attempt whose time has come. */
    private void answerDue() {
      long now = clock.nanoTime();
      for (Started one : new ArrayList<>(started)) {
        int index = one.number - 1;
        if (one.answered || index >= kinds.size()) {
          continue;
        }
        int kind = kinds.get(index);
        if (now - one.startNanos < Duration.ofMillis(answerAfterMs.get(index)).toNanos() || kind == 3) {
          continue;
        }
        one.answered = true;
        if (kind == VALUE) {
          String value = "v" + one.number;
          produced.add(value);
          // The README's rule for attempt code: a value its cancelled future cannot carry is released by it.
          if (!one.future.complete(value) && cancellableFutures) {
            handler.onDiscard().accept(value);
          }
        } else if (kind == RETRYABLE) {
          one.future.completeExceptionally(new IOException("reset " + one.number));
        } else if (kind == FINAL) {
          one.future.completeExceptionally(new IllegalStateException("bad request " + one.number));
        }
      }
    }
  }

  private static final class Started {
    final int number;
    final long startNanos;
    final CompletableFuture<String> future;
    volatile boolean cancelled;
    boolean answered;

    Started(int number, long startNanos, CompletableFuture<String> future) {
      this.number = number;
      this.startNanos = startNanos;
      this.future = future;
    }
  }
}
