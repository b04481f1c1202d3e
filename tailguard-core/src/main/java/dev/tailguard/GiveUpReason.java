package dev.tailguard;

/**
 * Why a call stopped retrying while its last outcome was still a retryable failure.
 *
 * @since 0.1
 */
public enum GiveUpReason {
  /** Every allowed attempt was used. */
  MAX_ATTEMPTS,
  /**
   * The next retry could not finish its backoff before the call's deadline; for a hedged call,
   * the deadline passed (or a server hint pointed past it) before any attempt succeeded.
   */
  DEADLINE,
  /** The server said not to retry or hedge again (a negative server hint). */
  SERVER_REFUSED,
  /** The {@link RetryAdmission} (a budget) refused the retry. */
  ADMISSION_DENIED,
  /** The calling thread was interrupted while waiting to retry. */
  INTERRUPTED,
  /** The scheduler refused the retry's timer, or was shut down ({@code shutdownNow()}) with the retry pending. */
  SCHEDULER_REJECTED
}
