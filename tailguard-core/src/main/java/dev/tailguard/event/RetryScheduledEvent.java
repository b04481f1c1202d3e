package dev.tailguard.event;

import java.time.Duration;
import java.util.Optional;

/**
 * An attempt failed retryably and the next attempt is scheduled.
 *
 * @since 0.1
 */
public final class RetryScheduledEvent {
  private final int failedAttempt;
  private final Duration delay;
  private final boolean serverHinted;
  private final Throwable error;
  private final String resultSummary;

  /**
   * Creates the event.
   *
   * @param failedAttempt the attempt that failed, from 1
   * @param delay the wait before the next attempt
   * @param serverHinted whether the delay came from a server hint rather than the backoff
   * @param error the failed attempt's exception, or null
   * @param resultSummary the failed attempt's result summary, or null
   */
  public RetryScheduledEvent(
      int failedAttempt, Duration delay, boolean serverHinted, Throwable error, String resultSummary) {
    this.failedAttempt = failedAttempt;
    this.delay = delay;
    this.serverHinted = serverHinted;
    this.error = error;
    this.resultSummary = resultSummary;
  }

  /** Returns the number of the attempt that failed. */
  public int failedAttempt() {
    return failedAttempt;
  }

  /** Returns the number of the attempt that is scheduled. */
  public int nextAttempt() {
    return failedAttempt + 1;
  }

  /** Returns the wait before the next attempt. */
  public Duration delay() {
    return delay;
  }

  /** Returns whether the delay came from a server hint (Retry-After, pushback). */
  public boolean serverHinted() {
    return serverHinted;
  }

  /** Returns the failed attempt's exception, if it threw. */
  public Optional<Throwable> error() {
    return Optional.ofNullable(error);
  }

  /** Returns the failed attempt's result summary, if it returned a result. */
  public Optional<String> resultSummary() {
    return Optional.ofNullable(resultSummary);
  }

  @Override
  public String toString() {
    return "RetryScheduledEvent{attempt="
        + failedAttempt
        + ", delay="
        + delay
        + (serverHinted ? ", serverHinted" : "")
        + ", outcome="
        + (error != null ? error : resultSummary)
        + "}";
  }
}
