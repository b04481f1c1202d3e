package dev.tailguard.event;

import dev.tailguard.GiveUpReason;
import dev.tailguard.RetriesExhaustedException;
import java.time.Duration;

/**
 * A call stopped retrying with its last attempt still failed retryably.
 *
 * @since 0.1
 */
public final class GiveUpEvent {
  private final GiveUpReason reason;
  private final Duration elapsed;
  private final RetriesExhaustedException failure;

  /**
   * Creates the event.
   *
   * @param reason why the call gave up
   * @param elapsed the time from the call's start to the give-up
   * @param failure the exception the call completes with, carrying the attempt history
   */
  public GiveUpEvent(GiveUpReason reason, Duration elapsed, RetriesExhaustedException failure) {
    this.reason = reason;
    this.elapsed = elapsed;
    this.failure = failure;
  }

  /** Returns why the call gave up. */
  public GiveUpReason reason() {
    return reason;
  }

  /** Returns how many attempts the call made (saturated at {@code Integer.MAX_VALUE}). */
  public int attempts() {
    return (int) Math.min(Integer.MAX_VALUE, failure.attemptCount());
  }

  /** Returns the time from the call's start to the give-up. */
  public Duration elapsed() {
    return elapsed;
  }

  /** Returns the exception with the attempt history (first and last attempts, the rest counted). */
  public RetriesExhaustedException failure() {
    return failure;
  }

  @Override
  public String toString() {
    return "GiveUpEvent{reason=" + reason + ", attempts=" + attempts() + ", elapsed=" + elapsed + "}";
  }
}
