package dev.tailguard.internal;

import dev.tailguard.GiveUpReason;

/**
 * What to do after one attempt. A small value, so the decision can be unit-tested without
 * threads or clocks and shared by the synchronous and asynchronous loops.
 */
public final class RetryDecision {
  /** The four ways a call can go on. */
  public enum Action {
    /** Complete with the attempt's result. */
    SUCCEED,
    /** Complete with the attempt's non-retryable failure. */
    FAIL,
    /** Stop retrying; the outcome was retryable but something forbids another attempt. */
    GIVE_UP,
    /** Start another attempt after {@link #delayNanos()}. */
    RETRY
  }

  static final RetryDecision SUCCEED = new RetryDecision(Action.SUCCEED, 0, null, false, 0, 0);
  static final RetryDecision FAIL = new RetryDecision(Action.FAIL, 0, null, false, 0, 0);

  private final Action action;
  private final long delayNanos;
  private final GiveUpReason reason;
  private final boolean serverHinted;
  private final int nextBackoffIndex;
  private final long nextPreviousDelayNanos;

  private RetryDecision(
      Action action,
      long delayNanos,
      GiveUpReason reason,
      boolean serverHinted,
      int nextBackoffIndex,
      long nextPreviousDelayNanos) {
    this.action = action;
    this.delayNanos = delayNanos;
    this.reason = reason;
    this.serverHinted = serverHinted;
    this.nextBackoffIndex = nextBackoffIndex;
    this.nextPreviousDelayNanos = nextPreviousDelayNanos;
  }

  static RetryDecision giveUp(GiveUpReason reason) {
    return new RetryDecision(Action.GIVE_UP, 0, reason, false, 0, 0);
  }

  static RetryDecision retry(
      long delayNanos, boolean serverHinted, int nextBackoffIndex, long nextPreviousDelayNanos) {
    return new RetryDecision(
        Action.RETRY, delayNanos, null, serverHinted, nextBackoffIndex, nextPreviousDelayNanos);
  }

  public Action action() {
    return action;
  }

  /** The wait before the next attempt, for {@link Action#RETRY}. */
  public long delayNanos() {
    return delayNanos;
  }

  /** Why the call gives up, for {@link Action#GIVE_UP}. */
  public GiveUpReason reason() {
    return reason;
  }

  /** Whether the delay is a server's hint rather than the backoff's. */
  public boolean serverHinted() {
    return serverHinted;
  }

  /** The backoff schedule position after this retry (a server hint resets it to 0). */
  public int nextBackoffIndex() {
    return nextBackoffIndex;
  }

  /** The delay decorrelated jitter grows from next time. */
  public long nextPreviousDelayNanos() {
    return nextPreviousDelayNanos;
  }

  @Override
  public String toString() {
    switch (action) {
      case RETRY:
        return "RETRY after " + Durations.format(delayNanos) + (serverHinted ? " (server hint)" : "");
      case GIVE_UP:
        return "GIVE_UP " + reason;
      default:
        return action.name();
    }
  }
}
