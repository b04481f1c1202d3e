package dev.tailguard.http;

import java.net.ConnectException;

/**
 * Tells failures where the request provably never left the client from those where it may have.
 * Shared by the JDK and OkHttp adapters. Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class NeverSent {
  /** How deep to look into causes; the JDK wraps at most a few levels. */
  private static final int MAX_DEPTH = 8;

  private NeverSent() {}

  /**
   * Whether the failure happened before any byte of the request was sent: connection refused,
   * connect timeout ({@code HttpConnectTimeoutException} has a {@code ConnectException} cause),
   * unresolvable host ({@code UnknownHostException}). Such a request is safe to retry whatever its method.
   */
  public static boolean isNeverSent(Throwable failure) {
    Throwable current = failure;
    for (int depth = 0; current != null && depth < MAX_DEPTH; depth++) {
      if (current instanceof ConnectException || current instanceof java.net.UnknownHostException
          || current instanceof java.net.http.HttpConnectTimeoutException) {
        return true;
      }
      current = current.getCause();
    }
    return false;
  }
}
