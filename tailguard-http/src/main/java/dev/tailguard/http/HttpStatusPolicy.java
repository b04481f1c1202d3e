package dev.tailguard.http;

import dev.tailguard.Classifier;
import dev.tailguard.Verdict;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Which HTTP status codes are worth another attempt. By default 408, 429, 502, 503 and 504: the
 * server was briefly unable. Not other 4xx (the request is wrong) and not 500, 501 or 505 (another
 * attempt gets the same answer). Configurable both ways.
 *
 * <p>Immutable and thread-safe.
 */
public final class HttpStatusPolicy {
  private static final HttpStatusPolicy DEFAULTS = new HttpStatusPolicy(bits(408, 429, 502, 503, 504));

  private final BitSet retryable;

  private HttpStatusPolicy(BitSet retryable) {
    this.retryable = retryable;
  }

  /** 408, 429, 502, 503 and 504. */
  public static HttpStatusPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * Exactly these statuses are retryable.
   *
   * @throws IllegalArgumentException if a status is outside [100, 599]
   */
  public static HttpStatusPolicy of(int... statuses) {
    return new HttpStatusPolicy(bits(statuses));
  }

  /** A copy that also retries these statuses. */
  public HttpStatusPolicy plus(int... statuses) {
    BitSet copy = (BitSet) retryable.clone();
    copy.or(bits(statuses));
    return new HttpStatusPolicy(copy);
  }

  /** A copy that no longer retries these statuses. */
  public HttpStatusPolicy minus(int... statuses) {
    BitSet copy = (BitSet) retryable.clone();
    copy.andNot(bits(statuses));
    return new HttpStatusPolicy(copy);
  }

  /** Whether a response with this status should be retried. */
  public boolean isRetryable(int status) {
    return status >= 0 && retryable.get(status);
  }

  /**
   * Classifies one HTTP attempt; both adapters use it.
   *
   * <ul>
   *   <li>A failure before the request was sent ({@link NeverSent}) is retryable for every method.
   *   <li>A {@link NotRetriedException} is final: the adapter already decided.
   *   <li>Any other failure, and a retryable status, is retryable only when {@code retrySafe};
   *       otherwise final.
   *   <li>Other 5xx responses are final failures (the breaker counts them); every other response
   *       is a success, which the caller receives.
   * </ul>
   *
   * @param status the response status, ignored when {@code error} is not null
   * @param error the attempt's failure, or null when a response arrived
   * @param retrySafe whether the request may be sent twice
   * @return the verdict
   */
  public Verdict verdict(int status, Throwable error, boolean retrySafe) {
    if (error != null) {
      if (error instanceof NotRetriedException) {
        return Verdict.NON_RETRYABLE;
      }
      if (NeverSent.isNeverSent(error)) {
        return Verdict.RETRYABLE;
      }
      return retrySafe ? Classifier.defaults().classify(null, error) : Verdict.NON_RETRYABLE;
    }
    if (isRetryable(status)) {
      return retrySafe ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
    }
    return status >= 500 ? Verdict.NON_RETRYABLE : Verdict.SUCCESS;
  }

  private static BitSet bits(int... statuses) {
    BitSet set = new BitSet(600);
    for (int status : statuses) {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("status must be in [100, 599]: " + status);
      }
      set.set(status);
    }
    return set;
  }

  @Override
  public String toString() {
    return "HttpStatusPolicy" + Arrays.toString(retryable.stream().toArray());
  }
}
