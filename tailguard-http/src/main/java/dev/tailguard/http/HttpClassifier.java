package dev.tailguard.http;

import dev.tailguard.Classifier;
import dev.tailguard.Verdict;
import java.net.http.HttpResponse;

/** {@link HttpStatusPolicy#verdict} for the JDK client's responses. */
final class HttpClassifier<T> implements Classifier<HttpResponse<T>> {
  private final HttpStatusPolicy statuses;
  private final boolean retrySafe;

  HttpClassifier(HttpStatusPolicy statuses, boolean retrySafe) {
    this.statuses = statuses;
    this.retrySafe = retrySafe;
  }

  @Override
  public Verdict classify(HttpResponse<T> response, Throwable error) {
    // An overflowing held body only exists for a retryable status on a retry-safe request.
    if (error instanceof HeldBody.Overflow) {
      return Verdict.RETRYABLE;
    }
    return statuses.verdict(error == null ? response.statusCode() : 0, error, retrySafe);
  }
}
