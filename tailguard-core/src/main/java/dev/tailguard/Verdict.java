package dev.tailguard;

/**
 * What a {@link Classifier} decides about one attempt's outcome.
 *
 * @since 0.1
 */
public enum Verdict {
  /** An acceptable outcome: the call completes with it. */
  SUCCESS,
  /** A failure that another attempt may fix (a 503, a connection reset on a safe request). */
  RETRYABLE,
  /** A failure that another attempt will not fix (a 400): the call completes with it at once. */
  NON_RETRYABLE
}
