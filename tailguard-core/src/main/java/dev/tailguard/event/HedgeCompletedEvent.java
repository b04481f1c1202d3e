package dev.tailguard.event;

import java.time.Duration;

/**
 * A hedged call ended: which attempt won, how many were started.
 *
 * @since 0.1
 */
public final class HedgeCompletedEvent {
  /** How the call ended. */
  public enum Outcome {
    /** An attempt succeeded and its result was returned. */
    SUCCEEDED,
    /** An attempt failed non-retryably and the call committed to that failure. */
    FAILED,
    /** Every attempt failed retryably (or the budget stopped new ones). */
    ALL_FAILED,
    /** The caller cancelled the call; every attempt was cancelled (the design notes' "killed"). */
    KILLED
  }

  private final Outcome outcome;
  private final int winner;
  private final int attempts;
  private final Duration elapsed;

  /**
   * Creates the event.
   *
   * @param outcome how the call ended
   * @param winner the attempt whose outcome was returned, or 0 for none
   * @param attempts how many attempts were started
   * @param elapsed the call's duration
   */
  public HedgeCompletedEvent(Outcome outcome, int winner, int attempts, Duration elapsed) {
    this.outcome = outcome;
    this.winner = winner;
    this.attempts = attempts;
    this.elapsed = elapsed;
  }

  /** Returns how the call ended. */
  public Outcome outcome() {
    return outcome;
  }

  /** Returns the attempt whose outcome was returned (1 = the original), or 0 for none. */
  public int winner() {
    return winner;
  }

  /** Returns whether a hedge (not the original attempt) produced the outcome. */
  public boolean hedgeWon() {
    return winner > 1;
  }

  /** Returns how many attempts were started. */
  public int attempts() {
    return attempts;
  }

  /** Returns the call's duration. */
  public Duration elapsed() {
    return elapsed;
  }

  @Override
  public String toString() {
    return "HedgeCompletedEvent{" + outcome + ", winner=" + winner + ", attempts=" + attempts + ", elapsed=" + elapsed + "}";
  }
}
