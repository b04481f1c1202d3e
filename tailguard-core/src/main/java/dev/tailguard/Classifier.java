package dev.tailguard;

import java.util.concurrent.CancellationException;

/**
 * Decides whether one attempt's outcome is a success, a retryable failure or a final failure.
 * Results (a 503 response) and exceptions go through the same function.
 *
 * <pre>{@code
 * Classifier<HttpResponse<String>> byStatus = (response, error) ->
 *     error != null ? Verdict.RETRYABLE
 *         : response.statusCode() == 503 ? Verdict.RETRYABLE
 *         : Verdict.SUCCESS;
 * }</pre>
 *
 * <p>Whatever a classifier says, an {@link Error} is never retried. A classifier that throws makes
 * the call fail with what it threw.
 *
 * @param <T> the result type
 * @since 0.1
 */
@FunctionalInterface
public interface Classifier<T> {

  /**
   * Classifies one attempt.
   *
   * @param result the attempt's result, or {@code null} when it failed (or returned null)
   * @param error the attempt's failure, or {@code null} when it returned a result
   * @return the verdict, never null
   */
  Verdict classify(T result, Throwable error);

  /**
   * The default: every result is a success; every exception is retryable except an {@link Error},
   * a {@link TailguardRejection}, an {@link InterruptedException} and a {@link
   * CancellationException}.
   *
   * @param <T> the result type
   * @return the default classifier
   */
  @SuppressWarnings("unchecked")
  static <T> Classifier<T> defaults() {
    return (Classifier<T>) DefaultClassifier.INSTANCE;
  }

  /** The stateless default, shared. */
  enum DefaultClassifier implements Classifier<Object> {
    INSTANCE;

    @Override
    public Verdict classify(Object result, Throwable error) {
      if (error == null) {
        return Verdict.SUCCESS;
      }
      boolean fatal =
          error instanceof Error
              || error instanceof TailguardRejection
              || error instanceof InterruptedException
              || error instanceof CancellationException;
      return fatal ? Verdict.NON_RETRYABLE : Verdict.RETRYABLE;
    }
  }
}
