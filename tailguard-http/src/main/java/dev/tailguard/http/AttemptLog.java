package dev.tailguard.http;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

/**
 * Formats one attempt for the debug log: method, URI and headers with credentials redacted, the
 * status or the failure's type, and how long it took. Bodies are never logged, nor exception
 * messages, which may echo them.
 */
final class AttemptLog {
  private AttemptLog() {}

  static String line(HttpRequest request, int attempt, HttpResponse<?> response, Throwable error, long elapsedNanos) {
    String outcome = error != null ? "failed: " + error.getClass().getName() : "HTTP " + response.statusCode();
    return "attempt " + attempt + " " + request.method() + " " + Redaction.uri(request.uri())
        + " " + Redaction.headers(request.headers()) + " -> " + outcome
        + " in " + TimeUnit.NANOSECONDS.toMillis(elapsedNanos) + " ms";
  }
}
