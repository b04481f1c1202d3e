package dev.tailguard.event;

import java.time.Duration;

/**
 * An attempt of a retried or hedged call started.
 *
 * @since 0.1
 */
public final class AttemptStartedEvent {
  /** Why an attempt exists. */
  public enum Kind {
    /** The call's original attempt. */
    FIRST,
    /** A retry after a failed attempt. */
    RETRY,
    /** A hedge sent while earlier attempts may still run. */
    HEDGE
  }

  private final int attempt;
  private final Kind kind;
  private final Duration sinceCallStart;

  /**
   * Creates the event.
   *
   * @param attempt the attempt's number, from 1
   * @param kind why it exists
   * @param sinceCallStart when it started relative to the call, or null when the call's start was not timed
   */
  public AttemptStartedEvent(int attempt, Kind kind, Duration sinceCallStart) {
    this.attempt = attempt;
    this.kind = kind;
    this.sinceCallStart = sinceCallStart;
  }

  /** Returns the attempt's number, from 1. */
  public int attempt() {
    return attempt;
  }

  /** Returns why the attempt exists. */
  public Kind kind() {
    return kind;
  }

  /** Returns when it started relative to the call's start. */
  public Duration sinceCallStart() {
    return sinceCallStart;
  }

  @Override
  public String toString() {
    return "AttemptStartedEvent{attempt=" + attempt + ", kind=" + kind + ", at=" + sinceCallStart + "}";
  }
}
