package dev.tailguard.internal;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptCallable;
import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.Classifier;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.TailguardRejection;
import dev.tailguard.Verdict;
import dev.tailguard.event.ResultDiscardedEvent;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * A pipeline's concurrency-limit layer, applied to each attempt between the retry or hedge and
 * the circuit breaker: the attempt takes a permit (or waits the limit's {@code maxWait} for one)
 * before the breaker sees it, and gives it back exactly once, however it ends.
 *
 * <p>How an attempt's end reads to the limit: a success or a non-retryable answer is a latency
 * sample; a timeout or a retryable failure is a drop; a cancellation, a rejection from further in
 * (an open circuit) or an interrupt says nothing about the backend and only returns the permit.
 */
public final class LimitedAttempts {
  private LimitedAttempts() {}

  /** Ends the permit {@code ticket} as the attempt's outcome says. */
  public static <T> void report(ConcurrencyLimit limit, long ticket, Classifier<? super T> classifier, T result, Throwable error) {
    // Nothing about the backend: the attempt was cancelled, refused further in, or interrupted.
    if (error instanceof CancellationException || error instanceof TailguardRejection
        || error instanceof InterruptedException || error instanceof Error) {
      limit.onIgnored(ticket);
      return;
    }
    if (error instanceof AttemptTimeoutException) {
      limit.onDropped(ticket);
      return;
    }
    Verdict verdict;
    try {
      verdict = classifier.classify(result, error);
    } catch (RuntimeException | Error e) {
      // Whatever a classifier throws counts as a drop: an Error let out here would leak the permit
      // and leave an async attempt's wrapper, and so the call, never completed.
      verdict = Verdict.RETRYABLE;
    }
    if (verdict == Verdict.RETRYABLE) {
      limit.onDropped(ticket);
    } else {
      limit.onSuccess(ticket);
    }
  }

  /** Whether the retry engine's per-attempt timeout ended this attempt (a cancel or an interrupt it caused). */
  private static boolean endedByEngineTimeout(dev.tailguard.AttemptContext context) {
    return context instanceof CancellableAttempt && ((CancellableAttempt) context).timedOut();
  }

  /** One synchronous attempt under {@code limit}; a refusal throws its {@code ConcurrencyLimitExceededException}. */
  public static <T> AttemptCallable<T> sync(AttemptCallable<T> call, ConcurrencyLimit limit, OutcomeHandler<? super T> handler) {
    return context -> {
      long ticket = acquireBlocking(limit);
      T result = null;
      Throwable error = null;
      try {
        result = call.call(context);
      } catch (Throwable t) {
        error = t;
      }
      if (error != null && endedByEngineTimeout(context)) {
        // The retry's per-attempt timeout interrupted this attempt: whatever it threw, a timeout, a drop.
        limit.onDropped(ticket);
      } else {
        report(limit, ticket, handler.classifier(), result, error);
      }
      if (error == null) {
        return result;
      }
      if (error instanceof Exception) {
        throw (Exception) error;
      }
      throw (Error) error;
    };
  }

  private static long acquireBlocking(ConcurrencyLimit limit) throws Exception {
    if (limit.maxWait().isZero()) {
      long ticket = limit.tryAcquire();
      if (ticket == ConcurrencyLimit.REFUSED) {
        throw limit.refusal();
      }
      return ticket;
    }
    CompletableFuture<Long> waiting = limit.acquire();
    try {
      return waiting.get();
    } catch (InterruptedException interrupted) {
      // Handed a permit just as we were interrupted: give it back unused.
      if (!waiting.cancel(false) && !waiting.isCompletedExceptionally()) {
        limit.onIgnored(waiting.join());
      }
      throw interrupted;
    } catch (ExecutionException refused) {
      Throwable cause = refused.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw refused;
    }
  }

  /**
   * One asynchronous attempt under {@code limit}. The returned future completes with the attempt's
   * outcome just after the permit went back; ending it (a cancel, a timeout) while the attempt
   * waits for a permit gives up the wait, and after it started cancels the attempt's own future.
   */
  public static <T> AsyncAttempt<T> async(AsyncAttempt<T> call, ConcurrencyLimit limit, OutcomeHandler<? super T> handler) {
    return context -> {
      if (limit.maxWait().isZero()) {
        long ticket = limit.tryAcquire();
        if (ticket == ConcurrencyLimit.REFUSED) {
          return CompletableFuture.failedFuture(limit.refusal());
        }
        return start(call, context, limit, ticket, handler);
      }
      CompletableFuture<Long> waiting = limit.acquire();
      CompletableFuture<T> outer = new CompletableFuture<>();
      waiting.whenComplete((ticket, refused) -> {
        if (refused != null) {
          outer.completeExceptionally(Futures.unwrap(refused));
          return;
        }
        // The holder gave up while we waited: the permit was never used.
        if (outer.isDone()) {
          limit.onIgnored(ticket);
          return;
        }
        CompletableFuture<T> attempt = start(call, context, limit, ticket, handler);
        attempt.whenComplete((result, error) -> {
          boolean delivered = error == null ? outer.complete(result) : outer.completeExceptionally(Futures.unwrap(error));
          // The holder ended the call as this answer came: nobody will see it.
          if (!delivered && error == null) {
            Outcomes.discard(handler, List.of(), context.attempt(), result, ResultDiscardedEvent.Reason.LATE);
          }
        });
        outer.whenComplete((result, error) -> attempt.cancel(true));
      });
      outer.whenComplete((result, error) -> waiting.cancel(false));
      return outer;
    };
  }

  private static <T> CompletableFuture<T> start(AsyncAttempt<T> call, dev.tailguard.AttemptContext context,
      ConcurrencyLimit limit, long ticket, OutcomeHandler<? super T> handler) {
    CompletionStage<T> stage;
    try {
      stage = call.start(context);
    } catch (Throwable t) {
      limit.onIgnored(ticket);
      return CompletableFuture.failedFuture(t);
    }
    CompletableFuture<T> future = stage.toCompletableFuture();
    CompletableFuture<T> settled = new CompletableFuture<>();
    future.whenComplete((result, error) -> {
      Throwable cause = Futures.unwrap(error);
      // The permit goes back before anyone hears the outcome: a hedge launched on this failure, or
      // the caller's next call started from this answer, must find it free.
      if (cause instanceof CancellationException && endedByEngineTimeout(context)) {
        // The retry engine's per-attempt timeout ends an attempt by cancelling it: still a timeout, a drop.
        limit.onDropped(ticket);
      } else {
        report(limit, ticket, handler.classifier(), result, cause);
      }
      boolean delivered = cause == null ? settled.complete(result) : settled.completeExceptionally(cause);
      // The holder ended the attempt (a cancelled loser) as this answer came: nobody will see it.
      if (!delivered && cause == null) {
        Outcomes.discard(handler, List.of(), context.attempt(), result, ResultDiscardedEvent.Reason.LATE);
      }
    });
    // Ending the attempt's future (a hedge loser's cancel, a timeout) reaches the attempt itself.
    settled.whenComplete((result, error) -> {
      if (!future.isDone()) {
        future.cancel(true);
      }
    });
    return settled;
  }
}
