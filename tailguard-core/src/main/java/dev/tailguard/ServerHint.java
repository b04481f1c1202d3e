package dev.tailguard;

import java.time.Duration;

/**
 * Reads a server's instruction about when to retry from a failed attempt: HTTP {@code
 * Retry-After}, gRPC {@code grpc-retry-pushback-ms}.
 *
 * <p>A returned delay replaces the backoff for the next retry. It is used exactly, never jittered
 * below the server's value, capped by {@link RetryPolicy#maxServerDelay()}, and the call gives up
 * at once when it lies beyond the deadline. A negative delay means "do not retry". After a hint
 * the backoff schedule restarts from its first delay, as gRFC A6 specifies for pushback.
 *
 * @param <T> the result type
 * @since 0.1
 */
@FunctionalInterface
public interface ServerHint<T> {

  /**
   * Extracts the hint, if any. Consulted only for retryable outcomes.
   *
   * @param result the failed attempt's result, or {@code null}
   * @param error the failed attempt's exception, or {@code null}
   * @return the delay before the next attempt, a negative duration to stop retrying, or {@code
   *     null} when the server gave no hint
   */
  Duration delay(T result, Throwable error);

  /**
   * A hint reader that never finds a hint.
   *
   * @param <T> the result type
   * @return the reader
   */
  static <T> ServerHint<T> none() {
    return (result, error) -> null;
  }
}
