package dev.tailguard;

import java.time.Duration;
import java.util.Optional;

/**
 * What one attempt knows about itself: its number and how long it may take. Adapters use it to
 * set a per-attempt timeout on the request and to tell the server which attempt this is.
 *
 * <p>Instances are immutable.
 *
 * @since 0.1
 */
public final class AttemptContext {
  private final int attempt;
  private final long timeoutNanos;

  /**
   * Creates a context.
   *
   * @param attempt the attempt number, starting at 1
   * @param timeoutNanos the time this attempt may take, or a negative value for no limit
   */
  public AttemptContext(int attempt, long timeoutNanos) {
    this.attempt = attempt;
    this.timeoutNanos = timeoutNanos;
  }

  /** Returns the attempt number: 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  /**
   * Returns how long this attempt may take: the smaller of the per-attempt timeout and the time
   * left before the call's deadline, or empty when neither is set.
   */
  public Optional<Duration> timeout() {
    return timeoutNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(timeoutNanos));
  }

  @Override
  public String toString() {
    return "AttemptContext{attempt=" + attempt + ", timeout=" + timeout().orElse(null) + "}";
  }
}
