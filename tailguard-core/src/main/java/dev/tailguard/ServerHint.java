package dev.tailguard;

import java.time.Duration;

/**
 * Reads a server's instruction about when to retry from a failed attempt: HTTP {@code
 * Retry-After}, gRPC {@code grpc-retry-pushback-ms}.
 *
 * <p>Both engines read it from the call's {@link OutcomeHandler#serverHint()}, and only for
 * outcomes classified {@link Verdict#RETRYABLE}; adapters (HTTP {@code Retry-After}, gRPC
 * pushback) plug in there and nowhere else.
 *
 * <p><b>Retries.</b> A returned delay replaces the backoff for the next retry. It is used exactly,
 * never jittered below the server's value, capped by {@link RetryPolicy#maxServerDelay()}, and the
 * call gives up at once ({@link GiveUpReason#DEADLINE}) when it lies beyond the deadline. A
 * negative delay means "do not retry" ({@link GiveUpReason#SERVER_REFUSED}). After a hint the
 * backoff schedule restarts from its first delay, as gRFC A6 specifies for pushback.
 *
 * <p><b>Hedges.</b> A returned delay, capped by {@link HedgePolicy#maxServerDelay()}, replaces the
 * pending hedge timer: the next hedge starts exactly that long after the hinted outcome (zero: at
 * once), and later hedges follow the {@link HedgeDelay} again. Until then no timer or other
 * failure starts it sooner; a newer hint replaces an older one. A negative delay, or one that
 * reaches the {@linkplain HedgePolicy#deadline() deadline}, stops new hedges while the attempts in
 * flight continue; when none is left the call gives up ({@link GiveUpReason#SERVER_REFUSED} or
 * {@link GiveUpReason#DEADLINE}).
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
   * @return the delay before the next attempt, a negative duration to stop retrying and hedging,
   *     or {@code null} when the server gave no hint
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
