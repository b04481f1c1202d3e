package dev.tailguard.idempotency;

/**
 * The store could not answer (database down, Redis timeout, in-memory store full). The guard
 * fails closed on it by default: 503, and the handler does not run.
 *
 * @since 0.1
 */
public class StoreUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
