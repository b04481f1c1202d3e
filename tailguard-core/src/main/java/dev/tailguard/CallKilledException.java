package dev.tailguard;

import java.util.concurrent.CancellationException;

/**
 * The caller ended a call before it completed (cancelled its future, or interrupted the thread
 * waiting on it), and every attempt in flight was cancelled: the design notes' "killed" outcome.
 * {@link Hedge#isKilled(Throwable)} recognises it and plain {@link CancellationException}s.
 *
 * @since 0.1
 */
public final class CallKilledException extends CancellationException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what killed the call
   */
  public CallKilledException(String message) {
    super(message);
  }
}
