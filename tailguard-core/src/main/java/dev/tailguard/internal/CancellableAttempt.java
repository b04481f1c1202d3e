package dev.tailguard.internal;

import dev.tailguard.AttemptContext;

/** The engines' view of an attempt's context: they may cancel it. */
public final class CancellableAttempt extends AttemptContext {
  public CancellableAttempt(int attempt, long timeoutNanos) {
    super(attempt, timeoutNanos);
  }

  /** Cancels the attempt: runs its hooks once. */
  public void cancel() {
    fireCancel();
  }
}
