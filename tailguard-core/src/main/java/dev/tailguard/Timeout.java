package dev.tailguard;

import dev.tailguard.internal.Checks;
import java.time.Duration;

/**
 * A time limit on each attempt, innermost in a {@link Pipeline}. When it passes, an asynchronous
 * attempt's future is cancelled (and its {@link AttemptContext#onCancel} hooks run), and a
 * synchronous attempt's thread is interrupted if {@link #withInterrupt()} was asked for;
 * either way the attempt fails with {@link AttemptTimeoutException}, which the breaker counts as
 * a failure and the retry may retry.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Timeout {
  private final Duration duration;
  private final boolean interrupt;

  private Timeout(Duration duration, boolean interrupt) {
    this.duration = duration;
    this.interrupt = interrupt;
  }

  /**
   * A timeout of {@code duration} that does not interrupt synchronous work.
   *
   * @throws IllegalArgumentException if {@code duration} is not positive
   */
  public static Timeout of(Duration duration) {
    return new Timeout(Checks.positive(duration, "timeout"), false);
  }

  /** A copy that interrupts a synchronous attempt's thread when the time is up. */
  public Timeout withInterrupt() {
    return new Timeout(duration, true);
  }

  public Duration duration() {
    return duration;
  }

  public boolean interrupt() {
    return interrupt;
  }

  @Override
  public String toString() {
    return "Timeout.of(" + duration + ")" + (interrupt ? ".withInterrupt()" : "");
  }
}
