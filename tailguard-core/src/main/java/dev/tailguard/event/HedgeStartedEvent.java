package dev.tailguard.event;

import java.time.Duration;

/**
 * A hedged call started another attempt.
 *
 * @since 0.1
 */
public final class HedgeStartedEvent {
  /** Why the attempt started. */
  public enum Trigger {
    /** The previous attempt had not answered within the hedge delay. */
    DELAY,
    /** An attempt failed retryably, so the next one started at once. */
    FAILURE,
    /** An attempt failed retryably with a server hint, and the hinted delay has passed. */
    SERVER_HINT
  }

  private final int attempt;
  private final Trigger trigger;
  private final Duration sinceCallStart;

  /**
   * Creates the event.
   *
   * @param attempt the new attempt's number, at least 2
   * @param trigger why it started
   * @param sinceCallStart when it started, relative to the call's start
   */
  public HedgeStartedEvent(int attempt, Trigger trigger, Duration sinceCallStart) {
    this.attempt = attempt;
    this.trigger = trigger;
    this.sinceCallStart = sinceCallStart;
  }

  /** Returns the new attempt's number: 2 for the first hedge. */
  public int attempt() {
    return attempt;
  }

  /** Returns why the attempt started. */
  public Trigger trigger() {
    return trigger;
  }

  /** Returns when the attempt started, relative to the call's start. */
  public Duration sinceCallStart() {
    return sinceCallStart;
  }

  @Override
  public String toString() {
    return "HedgeStartedEvent{attempt=" + attempt + ", trigger=" + trigger + ", at=" + sinceCallStart + "}";
  }
}
