package dev.tailguard.http;

import dev.tailguard.Classifier;
import dev.tailguard.Verdict;
import java.net.http.HttpResponse;

/**
 * Decides which HTTP outcomes are worth another attempt.
 *
 * <ul>
 *   <li>A failure before the request was sent (connection refused, connect timeout) is retryable
 *       for every method.
 *   <li>Any other failure, and a retryable status, is retryable only for a request that is safe
 *       to send twice; for the others it is final.
 *   <li>Other 5xx responses are final failures (the breaker counts them); everything else is a
 *       success the caller receives as a response.
 * </ul>
 */
final class HttpClassifier<T> implements Classifier<HttpResponse<T>> {
  private final HttpStatusPolicy statuses;
  private final boolean retrySafe;

  HttpClassifier(HttpStatusPolicy statuses, boolean retrySafe) {
    this.statuses = statuses;
    this.retrySafe = retrySafe;
  }

  @Override
  public Verdict classify(HttpResponse<T> response, Throwable error) {
    if (error != null) {
      if (error instanceof NotRetriedException) {
        return Verdict.NON_RETRYABLE;
      }
      if (NeverSent.isNeverSent(error)) {
        return Verdict.RETRYABLE;
      }
      // An overflowing held body only exists for a retryable status on a retry-safe request.
      if (error instanceof HeldBody.Overflow) {
        return Verdict.RETRYABLE;
      }
      return retrySafe ? Classifier.defaults().classify(null, error) : Verdict.NON_RETRYABLE;
    }
    int status = response.statusCode();
    if (statuses.isRetryable(status)) {
      return retrySafe ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
    }
    return status >= 500 ? Verdict.NON_RETRYABLE : Verdict.SUCCESS;
  }
}
