package dev.tailguard.internal;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/**
 * One asynchronous retried call. Decisions come from {@link RetryRun}, as in the synchronous loop;
 * waiting goes through the {@link Scheduler}.
 *
 * <p>Concurrency: three things race for each attempt — its completion, its timeout timer and the
 * caller cancelling the returned future. Each attempt's {@code settled} flag lets exactly one of
 * the first two decide the attempt; a result that loses goes to the discard hook. The returned
 * future is completed once; its holder completing it in any way (cancel, complete, orTimeout)
 * cancels the pending retry timer and the attempt in flight.
 */
public final class AsyncRetryExecution<T> {
  private final RetryRun<T> run;
  private final AsyncAttempt<T> attempt;
  private final OutcomeHandler<? super T> handler;
  private final Scheduler scheduler;
  private final RetryPolicy policy;
  private final CompletableFuture<T> promise = new CompletableFuture<>();
  /** The attempt in flight, for cancellation; replaced before each new attempt starts. */
  private volatile InFlight<T> inFlight;
  /** The timer that will start the next attempt, for cancellation. */
  private volatile Cancellable retryTimer;

  private AsyncRetryExecution(
      RetryPolicy policy,
      Clock clock,
      Scheduler scheduler,
      RandomGenerator random,
      AsyncAttempt<T> attempt,
      OutcomeHandler<? super T> handler) {
    this.run = RetryRun.beforeFirstAttempt(policy, handler, clock, random);
    this.attempt = attempt;
    this.handler = handler;
    this.scheduler = scheduler;
    this.policy = policy;
  }

  /** Starts the call; the first attempt begins before this returns. */
  public static <T> CompletableFuture<T> start(
      RetryPolicy policy,
      Clock clock,
      Scheduler scheduler,
      RandomGenerator random,
      AsyncAttempt<T> attempt,
      OutcomeHandler<? super T> handler) {
    BudgetExhaustedException refused = RetryRun.refuseFirstAttempt(policy);
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    AsyncRetryExecution<T> execution =
        new AsyncRetryExecution<>(policy, clock, scheduler, random, attempt, handler);
    // Any completion by the future's holder (cancel, complete, orTimeout) ends the call; after the
    // engine's own completion this finds nothing left to cancel.
    execution.promise.whenComplete((result, error) -> execution.cancelEverything());
    execution.startAttempt();
    return execution.promise;
  }

  private void startAttempt() {
    // The caller may have cancelled while the retry timer was firing.
    if (promise.isDone()) {
      return;
    }
    int number = run.beginAttempt();
    // An onAttempt listener may have ended the call just now: start nothing after it ended.
    if (promise.isDone()) {
      return;
    }
    long allowance = run.allowanceNanos();
    InFlight<T> flight = new InFlight<>(number, allowance);
    inFlight = flight;
    CompletionStage<T> stage;
    try {
      stage = attempt.start(flight.context);
      if (stage == null) {
        throw new NullPointerException("attempt " + number + " returned a null CompletionStage");
      }
    } catch (Throwable t) {
      flight.settled.set(true);
      onOutcome(number, null, t);
      return;
    }
    flight.future = Futures.toFuture(stage);
    if (allowance >= 0) {
      try {
        // A timer that a shut-down executor drops would leave a hanging attempt unbounded.
        flight.timer = scheduler.schedule(LossAware.of(() -> onTimeout(flight), why -> {
          if (flight.settled.compareAndSet(false, true)) {
            flight.context.cancel();
            Futures.cancelQuietly(flight.future);
            abandon(flight, why);
          }
        }), Duration.ofNanos(allowance));
      } catch (RejectedExecutionException rejected) {
        Futures.cancelQuietly(flight.future);
        abandon(flight, rejected);
        return;
      }
    }
    stage.whenComplete((result, error) -> onComplete(flight, result, error));
    // Only now may a layer below time the attempt out: its timer's effect reaches onComplete.
    flight.context.subscribed();
    // The caller may have ended the call between our check and publishing this attempt.
    if (promise.isDone()) {
      cancelEverything();
    }
  }

  private void onComplete(InFlight<T> flight, T result, Throwable error) {
    Throwable cause = Futures.unwrap(error);
    if (!flight.settled.compareAndSet(false, true)) {
      // The attempt already timed out or was cancelled; its value, if any, is nobody's.
      run.discard(flight.number, cause == null ? result : null, ResultDiscardedEvent.Reason.LATE);
      return;
    }
    Cancellable timer = flight.timer;
    if (timer != null) {
      timer.cancel();
    }
    if (promise.isDone()) {
      run.discard(flight.number, cause == null ? result : null, ResultDiscardedEvent.Reason.CALL_ENDED);
      return;
    }
    onOutcome(flight.number, cause == null ? result : null, cause);
  }

  private void onTimeout(InFlight<T> flight) {
    if (!flight.settled.compareAndSet(false, true)) {
      return;
    }
    // Before the future's cancel: the concurrency limit below reads it as a timeout, a drop.
    flight.context.cancelForTimeout();
    Futures.cancelQuietly(flight.future);
    if (promise.isDone()) {
      return;
    }
    onOutcome(flight.number, null, new AttemptTimeoutException(flight.number, flight.allowance));
  }

  private void onOutcome(int number, T result, Throwable error) {
    Verdict verdict;
    try {
      verdict = RetryRun.classify(policy.admission(), handler.classifier(), result, error);
    } catch (RetryRun.ClassifierFailure failure) {
      run.discard(number, result, ResultDiscardedEvent.Reason.CALL_ENDED);
      run.afterFailure(Verdict.NON_RETRYABLE, null, failure.getCause());
      completeExceptionally(run.onFailure(failure.getCause()));
      return;
    }
    if (verdict == Verdict.SUCCESS) {
      if (promise.complete(result)) {
        run.onSuccess();
      } else {
        run.discard(number, result, ResultDiscardedEvent.Reason.CALL_ENDED);
      }
      return;
    }
    RetryDecision decision = run.afterFailure(verdict, result, error);
    switch (decision.action()) {
      case FAIL:
        run.onFailure(error);
        if (error == null) {
          // A non-retryable result (a 400) is the answer the call commits to.
          if (!promise.complete(result)) {
            run.discard(number, result, ResultDiscardedEvent.Reason.CALL_ENDED);
          }
        } else {
          promise.completeExceptionally(error);
        }
        return;
      case GIVE_UP:
        giveUp(number, decision.reason(), result, error, null);
        return;
      case RETRY:
        run.discard(number, result, ResultDiscardedEvent.Reason.RETRIED);
        run.onRetryScheduled(decision, result, error);
        scheduleRetry(decision.delayNanos(), error);
        return;
      default:
        throw new AssertionError(decision);
    }
  }

  private void scheduleRetry(long delayNanos, Throwable lastError) {
    Cancellable timer;
    try {
      timer = scheduler.schedule(new PendingRetry(lastError), Duration.ofNanos(delayNanos));
    } catch (RejectedExecutionException rejected) {
      // A shut-down scheduler must fail the call promptly, never leave it hanging (failsafe #260).
      completeExceptionally(run.onGiveUp(GiveUpReason.SCHEDULER_REJECTED, null, lastError, rejected));
      return;
    }
    retryTimer = timer;
    if (promise.isDone()) {
      timer.cancel();
    }
  }

  private void giveUp(int number, GiveUpReason reason, T result, Throwable error, Throwable extra) {
    if (error == null && handler.returnLastResultOnGiveUp()) {
      run.onGiveUp(reason, result, null, extra);
      if (!promise.complete(result)) {
        run.discard(number, result, ResultDiscardedEvent.Reason.CALL_ENDED);
      }
      return;
    }
    run.discard(number, result, ResultDiscardedEvent.Reason.GAVE_UP);
    completeExceptionally(run.onGiveUp(reason, result, error, extra));
  }

  /** The attempt could not be watched (timer rejected): fail the call, do not hang it. */
  private void abandon(InFlight<T> flight, RejectedExecutionException rejected) {
    flight.settled.set(true);
    completeExceptionally(run.onGiveUp(GiveUpReason.SCHEDULER_REJECTED, null, null, rejected));
  }

  private void completeExceptionally(Throwable error) {
    promise.completeExceptionally(error);
  }

  private void cancelEverything() {
    Cancellable timer = retryTimer;
    if (timer != null) {
      timer.cancel();
    }
    InFlight<T> flight = inFlight;
    if (flight != null) {
      Cancellable attemptTimer = flight.timer;
      if (attemptTimer != null) {
        attemptTimer.cancel();
      }
      // Cancelling a future that already completed does nothing, so this is always safe.
      if (!flight.settled.getAndSet(true)) {
        flight.context.cancel();
      }
      Futures.cancelQuietly(flight.future);
    }
  }

  /**
   * The retry waiting for its timer. If a caller-owned scheduler is shut down under it
   * ({@code shutdownNow()} drops it silently), the call fails now instead of pending forever.
   */
  private final class PendingRetry implements LossAware {
    private final Throwable lastError;

    PendingRetry(Throwable lastError) {
      this.lastError = lastError;
    }

    @Override
    public void run() {
      startAttempt();
    }

    @Override
    public void lost(RejectedExecutionException why) {
      if (!promise.isDone()) {
        completeExceptionally(run.onGiveUp(GiveUpReason.SCHEDULER_REJECTED, null, lastError, why));
      }
    }
  }

  /** One attempt in flight. */
  private static final class InFlight<T> {
    final int number;
    final long allowance;
    final AtomicBoolean settled = new AtomicBoolean();
    final CancellableAttempt context;
    volatile CompletableFuture<T> future;
    volatile Cancellable timer;

    InFlight(int number, long allowance) {
      this.number = number;
      this.allowance = allowance;
      this.context = new CancellableAttempt(number, allowance);
    }
  }
}
