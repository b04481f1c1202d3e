package dev.tailguard.event;

import java.time.Duration;
import java.util.Optional;

/**
 * A call ended with a non-retryable failure: the exception (or result) it committed to.
 *
 * @since 0.1
 */
public final class CallFailedEvent {
  private final int attempts;
  private final Duration elapsed;
  private final Throwable error;

  /**
   * Creates the event.
   *
   * @param attempts how many attempts the call made
   * @param elapsed the time from the call's start to its end
   * @param error the non-retryable exception, or null when a result was classified non-retryable
   */
  public CallFailedEvent(int attempts, Duration elapsed, Throwable error) {
    this.attempts = attempts;
    this.elapsed = elapsed;
    this.error = error;
  }

  /** Returns how many attempts the call made. */
  public int attempts() {
    return attempts;
  }

  /** Returns the time from the call's start to its end. */
  public Duration elapsed() {
    return elapsed;
  }

  /** Returns the non-retryable exception; empty when a result was classified non-retryable. */
  public Optional<Throwable> error() {
    return Optional.ofNullable(error);
  }

  @Override
  public String toString() {
    return "CallFailedEvent{attempts=" + attempts + ", elapsed=" + elapsed + ", error=" + error + "}";
  }
}
