package dev.tailguard;

import dev.tailguard.internal.Durations;
import java.time.Duration;

/**
 * One attempt ran longer than it was allowed: the per-attempt timeout or the time left before the
 * call's deadline. Retryable under the {@linkplain Classifier#defaults() default classifier}.
 *
 * @since 0.1
 */
public final class AttemptTimeoutException extends TailguardException {
  private static final long serialVersionUID = 1L;

  private final int attempt;
  private final long timeoutNanos;

  /**
   * Creates the exception.
   *
   * @param attempt the attempt that timed out
   * @param timeoutNanos the time it was allowed
   */
  public AttemptTimeoutException(int attempt, long timeoutNanos) {
    super("attempt " + attempt + " timed out after " + Durations.format(timeoutNanos), null);
    this.attempt = attempt;
    this.timeoutNanos = timeoutNanos;
  }

  /** Returns the number of the attempt that timed out. */
  public int attempt() {
    return attempt;
  }

  /** Returns the time the attempt was allowed. */
  public Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }
}
