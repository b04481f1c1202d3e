package dev.tailguard.http;

import dev.tailguard.Classifier;
import dev.tailguard.Verdict;
import java.net.http.HttpResponse;
import java.util.function.Predicate;

/** {@link HttpStatusPolicy#verdict} for the JDK client's responses. */
final class HttpClassifier<T> implements Classifier<HttpResponse<T>> {
  private final HttpStatusPolicy statuses;
  private final boolean retrySafe;
  private final Predicate<HttpResponse<?>> keyInUse;

  HttpClassifier(HttpStatusPolicy statuses, boolean retrySafe, Predicate<HttpResponse<?>> keyInUse) {
    this.statuses = statuses;
    this.retrySafe = retrySafe;
    this.keyInUse = keyInUse;
  }

  @Override
  public Verdict classify(HttpResponse<T> response, Throwable error) {
    // An overflowing held body only exists for a retryable status on a retry-safe request.
    if (error instanceof HeldBody.Overflow) {
      return Verdict.RETRYABLE;
    }
    // The server still runs an earlier attempt with this request's key: ask again after its hint.
    if (error == null && retrySafe && keyInUse.test(response)) {
      return Verdict.RETRYABLE;
    }
    return statuses.verdict(error == null ? response.statusCode() : 0, error, retrySafe);
  }
}
