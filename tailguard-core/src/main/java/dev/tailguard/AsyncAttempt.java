package dev.tailguard;

import java.util.concurrent.CompletionStage;

/**
 * One asynchronous attempt that wants to know its {@link AttemptContext}.
 *
 * <p>Return a {@link java.util.concurrent.CompletableFuture} (or a stage whose {@code
 * toCompletableFuture()} cancels the work) so that Tailguard can cancel an attempt that timed out
 * or that nobody waits for any more.
 *
 * @param <T> the result type
 * @since 0.1
 */
@FunctionalInterface
public interface AsyncAttempt<T> {
  /**
   * Starts the attempt.
   *
   * @param context the attempt's number and time limit
   * @return the attempt's future result, never null
   */
  CompletionStage<T> start(AttemptContext context);
}
