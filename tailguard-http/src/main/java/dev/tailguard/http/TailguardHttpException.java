package dev.tailguard.http;

import dev.tailguard.TailguardException;
import java.io.IOException;

/**
 * Tailguard ended an HTTP call: retries were exhausted, the budget refused, the circuit is open or
 * an attempt timed out. {@link #getCause()} is the {@link TailguardException} with the details (a
 * {@link dev.tailguard.RetriesExhaustedException} carries every attempt's outcome).
 *
 * <p>It is an {@link IOException} so that code written against {@link java.net.http.HttpClient},
 * which catches {@code IOException}, keeps working.
 *
 * @since 0.1
 */
public final class TailguardHttpException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param method the request method
   * @param redactedUri the URI, already passed through {@link Redaction#uri}
   * @param cause what ended the call
   */
  public TailguardHttpException(String method, String redactedUri, TailguardException cause) {
    super(method + " " + redactedUri + ": " + cause.getMessage(), cause);
  }

  /** Returns the Tailguard exception that ended the call. */
  @Override
  public synchronized TailguardException getCause() {
    return (TailguardException) super.getCause();
  }
}
