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
import java.util.List;
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
    } catch (RuntimeException e) {
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
    // A cancelled attempt (a hedge loser, a caller giving up) says nothing about the backend.
    if (error instanceof CancellationException) {
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
      } catch (Throwable t) {
        stage = CompletableFuture.failedFuture(t);
      }
      CompletableFuture<T> inner = Futures.toFuture(stage);
      CompletableFuture<T> outer = new CompletableFuture<>();
      Cancellable timer = null;
      if (timeout != null) {
        long nanos = timeout.duration().toNanos();
        timer = scheduler.schedule(() -> {
          if (outer.completeExceptionally(new AttemptTimeoutException(context.attempt(), nanos))) {
            // Adapters abort the exchange in their cancel hooks, not only through the future.
            if (context instanceof CancellableAttempt) {
              ((CancellableAttempt) context).cancel();
            }
            Futures.cancelQuietly(inner);
          }
        }, timeout.duration());
      }
      Cancellable watch = timer;
      stage.whenComplete((result, error) -> {
        if (watch != null) {
          watch.cancel();
        }
        boolean delivered = error == null ? outer.complete(result) : outer.completeExceptionally(Futures.unwrap(error));
        // Timed out or cancelled before it answered: the engine will never see this result.
        if (!delivered && error == null) {
          Outcomes.discard(handler, List.of(), context.attempt(), result, ResultDiscardedEvent.Reason.LATE);
        }
      });
      CircuitBreaker.Permit held = permit;
      outer.whenComplete((result, error) -> {
        if (outer.isCancelled()) {
          if (watch != null) {
            watch.cancel();
          }
          Futures.cancelQuietly(inner);
        }
        report(held, handler.classifier(), result, Futures.unwrap(error));
      });
      return outer;
    };
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
      long start = timeout != null ? clock.nanoTime() : 0;
      AttemptInterrupter interrupter = timeout != null && timeout.interrupt()
          ? AttemptInterrupter.arm(scheduler, timeout.duration().toNanos()) : null;
      T result = null;
      Throwable error = null;
      try {
        result = call.call(context);
      } catch (Throwable t) {
        error = t;
      }
      boolean timedOut = interrupter != null && interrupter.disarm();
      if (!timedOut && timeout != null && clock.nanoTime() - start > timeout.duration().toNanos()) {
        timedOut = true;
      }
      if (timedOut) {
        Outcomes.discard(handler, List.of(), context.attempt(), error == null ? result : null, ResultDiscardedEvent.Reason.LATE);
        result = null;
        error = new AttemptTimeoutException(context.attempt(), timeout.duration().toNanos());
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
