package dev.tailguard.internal;

import dev.tailguard.AttemptCallable;
import dev.tailguard.AttemptContext;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;

/**
 * The synchronous retry loop: attempts run on the caller's thread, waits go through {@link
 * Clock#sleep}. Decisions come from {@link RetryRun} and {@link RetryDecider}, shared with the
 * asynchronous loop.
 *
 * <p>Fast path: with no deadline, no timeout and no call listeners, a first attempt that succeeds
 * reads no clock and allocates nothing.
 */
public final class SyncRetryLoop {
  /** Returned by {@link #decideAndWait} when the loop should run another attempt. */
  private static final Object CONTINUE = new Object();

  private SyncRetryLoop() {}

  /**
   * Exactly one of {@code plain} and {@code withContext} is non-null. {@code breaker}, when not
   * null, guards every attempt in the loop itself, so that no wrapper is allocated per call. {@code timedFromStart} is
   * {@link RetryRun#needsClockBeforeFirstAttempt} for the policy, computed once by the caller.
   */
  public static <T> T execute(
      RetryPolicy policy,
      boolean timedFromStart,
      Clock clock,
      Scheduler scheduler,
      RandomGenerator random,
      Callable<T> plain,
      AttemptCallable<T> withContext,
      OutcomeHandler<? super T> handler,
      CircuitBreaker breaker)
      throws Exception {
    BudgetExhaustedException refused = RetryRun.refuseFirstAttempt(policy);
    if (refused != null) {
      throw refused;
    }
    if (timedFromStart) {
      RetryRun<T> run = RetryRun.beforeFirstAttempt(policy, handler, clock, random);
      return loop(run, policy, clock, scheduler, plain, withContext, handler, breaker);
    }
    T result = null;
    Throwable error = null;
    CircuitBreaker.Permit permit = null;
    if (breaker != null && (permit = breaker.tryAcquire()) == null) {
      error = new CircuitOpenException(breaker.config().name(), breaker.state());
    } else {
      try {
        result = plain != null ? plain.call() : withContext.call(new AttemptContext(1, -1));
      } catch (Throwable t) {
        error = t;
      }
    }
    return afterUntimedFirstAttempt(policy, clock, scheduler, random, plain, withContext, handler, breaker, permit, result, error);
  }

  /**
   * Continues a call whose first attempt ran without a clock (no deadline, timeout or call
   * listener) and was admitted: {@link dev.tailguard.Retry#execute(Callable)}'s fast path comes here
   * with the exception its first attempt threw, the general path with any outcome.
   */
  public static <T> T afterUntimedFirstAttempt(
      RetryPolicy policy,
      Clock clock,
      Scheduler scheduler,
      RandomGenerator random,
      Callable<T> plain,
      AttemptCallable<T> withContext,
      OutcomeHandler<? super T> handler,
      CircuitBreaker breaker,
      CircuitBreaker.Permit permit,
      T result,
      Throwable error)
      throws Exception {
    Verdict verdict;
    Throwable classifierFailure = null;
    try {
      verdict = stopIfInterrupted(RetryRun.classify(policy.admission(), handler.classifier(), result, error), error);
    } catch (RetryRun.ClassifierFailure failure) {
      verdict = null;
      classifierFailure = failure.getCause();
      stopIfInterrupted(null, error);
    }
    // Without a timeout the breaker and the retry judge the same outcome: classify it once.
    GuardedAttempts.report(permit, verdict, error);
    if (verdict == Verdict.SUCCESS) {
      return result;
    }
    RetryRun<T> run = RetryRun.afterUntimedFirstAttempt(policy, handler, clock, random);
    if (verdict == null) {
      // The classifier itself threw: the call fails with what it threw, and the result is released.
      run.discard(1, result, ResultDiscardedEvent.Reason.CALL_ENDED);
      return failWith(run, classifierFailure);
    }
    Object next = decideAndWait(run, policy, clock, handler, result, error, verdict);
    if (next != CONTINUE) {
      return cast(next);
    }
    return loop(run, policy, clock, scheduler, plain, withContext, handler, breaker);
  }

  private static <T> T loop(
      RetryRun<T> run,
      RetryPolicy policy,
      Clock clock,
      Scheduler scheduler,
      Callable<T> plain,
      AttemptCallable<T> withContext,
      OutcomeHandler<? super T> handler,
      CircuitBreaker breaker)
      throws Exception {
    while (true) {
      int attempt = run.beginAttempt();
      long allowance = run.allowanceNanos();
      boolean interrupting = allowance >= 0 && policy.interruptOnTimeout();
      // An interrupting timeout marks the attempt's context first, so a concurrency limit below
      // counts the interrupt it causes as the timeout (a drop) it is.
      AttemptContext context = interrupting && withContext != null
          ? new CancellableAttempt(attempt, allowance) : new AttemptContext(attempt, allowance);
      AttemptInterrupter interrupter = interrupting
          ? AttemptInterrupter.arm(scheduler, allowance, context instanceof CancellableAttempt c ? c : null) : null;
      T result = null;
      Throwable error = null;
      CircuitBreaker.Permit permit = null;
      if (breaker != null && (permit = breaker.tryAcquire()) == null) {
        error = new CircuitOpenException(breaker.config().name(), breaker.state());
      } else {
        try {
          result = plain != null ? plain.call() : withContext.call(context);
        } catch (Throwable t) {
          error = t;
        }
        // The breaker hears what the backend did, before the retry's own timeout is applied.
        GuardedAttempts.report(permit, handler.classifier(), result, error);
      }
      boolean timedOut = interrupter != null && interrupter.disarm();
      // Without an interrupt a late attempt cannot be stopped, but it still counts as timed out.
      if (!timedOut && allowance >= 0 && run.attemptElapsedNanos() > allowance) {
        timedOut = true;
      }
      if (timedOut) {
        run.discard(attempt, error == null ? result : null, ResultDiscardedEvent.Reason.LATE);
        // What a timed-out attempt does afterwards (the interrupt we caused) is not its outcome;
        // the asynchronous path never sees it either.
        result = null;
        error = new AttemptTimeoutException(attempt, allowance);
      }
      Verdict verdict;
      try {
        verdict = stopIfInterrupted(RetryRun.classify(policy.admission(), handler.classifier(), result, error), error);
      } catch (RetryRun.ClassifierFailure failure) {
        // A classifier that throws on an interrupt still leaves the caller interrupted.
        stopIfInterrupted(null, error);
        run.discard(attempt, result, ResultDiscardedEvent.Reason.CALL_ENDED);
        return failWith(run, failure.getCause());
      }
      Object next = decideAndWait(run, policy, clock, handler, result, error, verdict);
      if (next != CONTINUE) {
        return cast(next);
      }
    }
  }

  /**
   * Applies the decision for one finished attempt: returns the call's result, throws its failure,
   * or waits out the backoff and returns {@link #CONTINUE}.
   */
  private static <T> Object decideAndWait(
      RetryRun<T> run,
      RetryPolicy policy,
      Clock clock,
      OutcomeHandler<? super T> handler,
      T result,
      Throwable error,
      Verdict verdict)
      throws Exception {
    if (verdict == Verdict.SUCCESS) {
      run.onSuccess();
      return result;
    }
    RetryDecision decision = run.afterFailure(verdict, result, error);
    switch (decision.action()) {
      case FAIL:
        run.onFailure(error);
        if (error == null) {
          // A non-retryable result (a 400) is the answer the call commits to.
          return result;
        }
        throw sneaky(error);
      case GIVE_UP:
        return giveUp(run, handler, decision.reason(), result, error, null);
      case RETRY:
        run.discard(run.attempt(), result, ResultDiscardedEvent.Reason.RETRIED);
        run.onRetryScheduled(decision, result, error);
        try {
          // An interrupt the attempt swallowed and re-asserted must still stop the loop (feign #624).
          if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before retry");
          }
          clock.sleep(Duration.ofNanos(decision.delayNanos()));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw run.onGiveUp(GiveUpReason.INTERRUPTED, null, error, interrupted);
        }
        return CONTINUE;
      default:
        throw new AssertionError(decision);
    }
  }

  private static <T> Object giveUp(
      RetryRun<T> run,
      OutcomeHandler<? super T> handler,
      GiveUpReason reason,
      T result,
      Throwable error,
      Throwable extra) {
    if (error == null && handler.returnLastResultOnGiveUp()) {
      run.onGiveUp(reason, result, null, extra);
      return result;
    }
    run.discard(run.attempt(), result, ResultDiscardedEvent.Reason.GAVE_UP);
    throw run.onGiveUp(reason, result, error, extra);
  }

  /** Ends the call with a failure that is not the attempt's (a classifier that threw). */
  private static <T> T failWith(RetryRun<T> run, Throwable error) throws Exception {
    run.afterFailure(Verdict.NON_RETRYABLE, null, error);
    run.onFailure(error);
    throw sneaky(error);
  }

  /**
   * An attempt that threw {@link InterruptedException} was interrupted on the caller's thread: the
   * caller stops, whatever the classifier says, and gets the exception with its flag restored.
   */
  private static Verdict stopIfInterrupted(Verdict verdict, Throwable error) {
    if (!(error instanceof InterruptedException)) {
      return verdict;
    }
    Thread.currentThread().interrupt();
    return Verdict.NON_RETRYABLE;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object value) {
    return (T) value;
  }

  /** Rethrows any throwable from a method declared {@code throws Exception}. */
  private static Exception sneaky(Throwable t) {
    if (t instanceof Error) {
      throw (Error) t;
    }
    if (t instanceof Exception) {
      return (Exception) t;
    }
    return new IllegalStateException("non-standard Throwable from attempt", t);
  }
}
