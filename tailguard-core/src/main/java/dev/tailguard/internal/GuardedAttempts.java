package dev.tailguard.internal;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptCallable;
import dev.tailguard.AttemptContext;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.Classifier;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.TailguardRejection;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.event.ResultDiscardedEvent;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The inner layers of a pipeline, applied to each attempt: circuit breaker, then timeout, then
 * the call. The breaker sees every attempt, including each retry and hedge.
 */
public final class GuardedAttempts {
  private GuardedAttempts() {}

  /** How the breaker counts an attempt's outcome. */
  public static <T> void report(CircuitBreaker.Permit permit, Classifier<? super T> classifier, T result, Throwable error) {
    if (permit == null) {
      return;
    }
    Verdict verdict;
    try {
      verdict = classifier.classify(result, error);
    } catch (RuntimeException | Error e) {
      // Whatever a classifier throws (an AssertionError too) counts as a failure: an Error let
      // out here would leak the permit and, on the async path, leave the attempt never settled.
      Listeners.warn("Tailguard classifier threw; the breaker counts a failure", e);
      verdict = null;
    }
    report(permit, verdict, error);
  }

  /**
   * How the breaker counts an attempt whose verdict is already known, so that a caller that
   * classifies anyway does it once. A null {@code verdict} means the classifier threw, which
   * counts as a failure.
   */
  public static void report(CircuitBreaker.Permit permit, Verdict verdict, Throwable error) {
    if (permit == null) {
      return;
    }
    // A cancelled attempt (a hedge loser, a caller giving up) says nothing about the backend; an
    // interrupted synchronous one is the caller giving up (a timeout's own interrupt is reported
    // as the AttemptTimeoutException that replaces it).
    if (error instanceof CancellationException || error instanceof InterruptedException) {
      permit.release();
      return;
    }
    // A non-retryable answer (a 400) was still served; a non-retryable exception was not.
    boolean failed = verdict == null
        || verdict == Verdict.RETRYABLE
        || (verdict == Verdict.NON_RETRYABLE && error != null && !(error instanceof TailguardRejection));
    if (failed) {
      permit.onFailure();
    } else {
      permit.onSuccess();
    }
  }

  /**
   * One attempt guarded by the breaker and the timeout. Whoever settles it first (the attempt
   * answering, the timeout, or the holder of the returned future completing or cancelling it)
   * decides how the breaker hears of it; the holder ending it cancels the attempt (its future and
   * its cancel hooks) and releases the permit uncounted.
   */
  public static <T> AsyncAttempt<T> async(
      AsyncAttempt<T> call, CircuitBreaker breaker, Timeout timeout, Scheduler scheduler, OutcomeHandler<? super T> handler) {
    return context -> {
      CircuitBreaker.Permit permit = null;
      if (breaker != null) {
        permit = breaker.tryAcquire();
        if (permit == null) {
          return CompletableFuture.failedFuture(new CircuitOpenException(breaker.config().name(), breaker.state()));
        }
      }
      CompletionStage<T> stage;
      try {
        stage = call.start(context);
        if (stage == null) {
          throw new NullPointerException("attempt " + context.attempt() + " returned a null CompletionStage");
        }
      } catch (Throwable t) {
        stage = CompletableFuture.failedFuture(t);
      }
      CompletableFuture<T> inner = Futures.toFuture(stage);
      CompletableFuture<T> outer = new CompletableFuture<>();
      AtomicBoolean settled = new AtomicBoolean();
      CircuitBreaker.Permit held = permit;
      AtomicReference<Cancellable> timer = new AtomicReference<>();
      stage.whenComplete((result, error) -> {
        boolean first = settled.compareAndSet(false, true);
        // After settling, so that a timer being armed right now either is seen here or sees us.
        cancelTimer(timer);
        Throwable failure = Futures.unwrap(error);
        boolean delivered = false;
        if (first) {
          report(held, handler.classifier(), result, failure);
          delivered = failure == null ? outer.complete(result) : outer.completeExceptionally(failure);
        }
        // Timed out or ended by its holder before it answered: nobody will see this result.
        if (!delivered && failure == null) {
          Outcomes.discard(handler, List.of(), context.attempt(), result, ResultDiscardedEvent.Reason.LATE);
        }
      });
      outer.whenComplete((result, error) -> {
        // The holder (the engine cancelling a loser, or a caller's complete, cancel or orTimeout)
        // ended the attempt first: it says nothing about the backend.
        if (settled.compareAndSet(false, true)) {
          cancelTimer(timer);
          if (held != null) {
            held.release();
          }
          abandon(context, inner);
        }
      });
      // An attempt that already answered needs no timer.
      if (timeout != null && !settled.get()) {
        Runnable arm = () -> armTimeout(timer, settled, timeout, scheduler, () -> {
          AttemptTimeoutException timedOut = new AttemptTimeoutException(context.attempt(), Durations.toNanosSaturated(timeout.duration()));
          report(held, handler.classifier(), null, timedOut);
          // Cancelled before the holder hears of it: whoever sees the timeout sees the attempt ended.
          // Adapters abort the exchange in their cancel hooks, not only through the future.
          abandon(context, inner);
          outer.completeExceptionally(timedOut);
        }, rejected -> {
          // Nothing could bound this attempt: end it rather than let it run unwatched.
          if (held != null) {
            held.release();
          }
          abandon(context, inner);
          outer.completeExceptionally(rejected);
        });
        // Under an engine the timer waits until the engine listens to `outer`, so that everything
        // the timeout causes (the retry, the next hedge) happens inside the timer's own task.
        if (context instanceof CancellableAttempt) {
          ((CancellableAttempt) context).whenSubscribed(arm);
        } else {
          arm.run();
        }
      }
      return outer;
    };
  }

  /** Releases a result that reached the call after its holder had completed the future. */
  public static <T> void discardUnreceived(OutcomeHandler<? super T> handler, T result) {
    Outcomes.discard(handler, List.of(), 0, result, ResultDiscardedEvent.Reason.CALL_ENDED);
  }

  /** Runs one guarded attempt with no retry engine above it: the future is the call's. */
  public static <T> CompletableFuture<T> startOnce(AsyncAttempt<T> guarded, Timeout timeout) {
    CancellableAttempt context = new CancellableAttempt(1, timeout == null ? -1 : Durations.toNanosSaturated(timeout.duration()));
    CompletableFuture<T> call;
    try {
      call = guarded.start(context).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // No engine listens here: the caller holds the future itself, so the timeout may start now.
    context.subscribed();
    return call;
  }

  /**
   * One synchronous attempt with no retry engine above it: its exception propagates unchanged,
   * and nothing is allocated beyond what the breaker needs.
   */
  public static <T> T once(Callable<T> call, CircuitBreaker breaker, OutcomeHandler<? super T> handler) throws Exception {
    CircuitBreaker.Permit permit = null;
    if (breaker != null && (permit = breaker.tryAcquire()) == null) {
      throw new CircuitOpenException(breaker.config().name(), breaker.state());
    }
    T result;
    try {
      result = call.call();
    } catch (Throwable t) {
      report(permit, handler.classifier(), null, t);
      restoreInterrupt(t);
      throw t;
    }
    report(permit, handler.classifier(), result, null);
    return result;
  }

  /**
   * {@link #once(Callable, CircuitBreaker, OutcomeHandler)} for a call that takes its context: no
   * wrapper is allocated, only the context the call receives.
   */
  public static <T> T once(AttemptCallable<T> call, AttemptContext context, CircuitBreaker breaker, OutcomeHandler<? super T> handler)
      throws Exception {
    CircuitBreaker.Permit permit = null;
    if (breaker != null && (permit = breaker.tryAcquire()) == null) {
      throw new CircuitOpenException(breaker.config().name(), breaker.state());
    }
    T result;
    try {
      result = call.call(context);
    } catch (Throwable t) {
      report(permit, handler.classifier(), null, t);
      restoreInterrupt(t);
      throw t;
    }
    report(permit, handler.classifier(), result, null);
    return result;
  }

  /**
   * Runs a guarded synchronous attempt as the whole call (no retry or hedge above it), on the
   * caller's thread: an InterruptedException ends the call with the caller's flag restored, as
   * the retry loop does.
   */
  public static <T> T callOnce(AttemptCallable<T> guarded, AttemptContext context) throws Exception {
    try {
      return guarded.call(context);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw interrupted;
    }
  }

  /** The caller was interrupted: the exception ends the call and the flag stays set. */
  private static void restoreInterrupt(Throwable t) {
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Arms the attempt's timeout unless the attempt is already settled; whoever settles it later
   * (answer or holder) cancels the timer, and a timer armed after that is cancelled here.
   */
  private static void armTimeout(AtomicReference<Cancellable> timer, AtomicBoolean settled, Timeout timeout, Scheduler scheduler,
      Runnable onTimeout, Consumer<RejectedExecutionException> onRejected) {
    if (settled.get()) {
      return;
    }
    long nanos = Durations.toNanosSaturated(timeout.duration());
    Cancellable armed;
    try {
      armed = scheduler.schedule(LossAware.of(() -> {
        if (settled.compareAndSet(false, true)) {
          onTimeout.run();
        }
      }, lost -> {
        // Dropped by a shut-down executor: nothing bounds the attempt any more, as if refused.
        if (settled.compareAndSet(false, true)) {
          onRejected.accept(lost);
        }
      }), Duration.ofNanos(nanos));
    } catch (RejectedExecutionException rejected) {
      if (settled.compareAndSet(false, true)) {
        onRejected.accept(rejected);
      }
      return;
    }
    timer.set(armed);
    // Settled while we armed it: the settling side may not have seen the timer.
    if (settled.get()) {
      armed.cancel();
    }
  }

  private static void cancelTimer(AtomicReference<Cancellable> timer) {
    Cancellable armed = timer.get();
    if (armed != null) {
      armed.cancel();
    }
  }

  private static void abandon(AttemptContext context, CompletableFuture<?> inner) {
    if (context instanceof CancellableAttempt) {
      ((CancellableAttempt) context).cancel();
    }
    Futures.cancelQuietly(inner);
  }

  public static <T> AttemptCallable<T> sync(
      AttemptCallable<T> call, CircuitBreaker breaker, Timeout timeout, Clock clock, Scheduler scheduler, OutcomeHandler<? super T> handler) {
    return context -> {
      CircuitBreaker.Permit permit = null;
      if (breaker != null) {
        permit = breaker.tryAcquire();
        if (permit == null) {
          throw new CircuitOpenException(breaker.config().name(), breaker.state());
        }
      }
      long limit = timeout != null ? Durations.toNanosSaturated(timeout.duration()) : 0;
      long start = timeout != null ? clock.nanoTime() : 0;
      AttemptInterrupter interrupter = timeout != null && timeout.interrupt()
          ? AttemptInterrupter.arm(scheduler, limit) : null;
      T result = null;
      Throwable error = null;
      try {
        result = call.call(context);
      } catch (Throwable t) {
        error = t;
      }
      boolean timedOut = interrupter != null && interrupter.disarm();
      // The engine cancelled this attempt (a blocking hedge's loser, interrupted): like an async
      // loser it releases its permit uncounted; its InterruptedException says nothing of the backend.
      if (permit != null && context.isCancelled()) {
        permit.release();
        permit = null;
      }
      if (!timedOut && timeout != null && clock.nanoTime() - start > limit) {
        timedOut = true;
      }
      if (timedOut) {
        Outcomes.discard(handler, List.of(), context.attempt(), error == null ? result : null, ResultDiscardedEvent.Reason.LATE);
        result = null;
        error = new AttemptTimeoutException(context.attempt(), limit);
      }
      report(permit, handler.classifier(), result, error);
      if (error == null) {
        return result;
      }
      if (error instanceof Exception) {
        throw (Exception) error;
      }
      throw (Error) error;
    };
  }
}
