package dev.tailguard.event;

import java.time.Duration;

/**
 * A call completed with an acceptable result.
 *
 * @since 0.1
 */
public final class CallSucceededEvent {
  private final int attempts;
  private final Duration elapsed;

  /**
   * Creates the event.
   *
   * @param attempts how many attempts the call made
   * @param elapsed the time from the call's start to its completion
   */
  public CallSucceededEvent(int attempts, Duration elapsed) {
    this.attempts = attempts;
    this.elapsed = elapsed;
  }

  /** Returns how many attempts the call made, including the successful one. */
  public int attempts() {
    return attempts;
  }

  /** Returns the time from the call's start to its completion. */
  public Duration elapsed() {
    return elapsed;
  }

  @Override
  public String toString() {
    return "CallSucceededEvent{attempts=" + attempts + ", elapsed=" + elapsed + "}";
  }
}
