package dev.tailguard;

/**
 * One synchronous attempt that wants to know its {@link AttemptContext}.
 *
 * @param <T> the result type
 * @since 0.1
 */
@FunctionalInterface
public interface AttemptCallable<T> {
  /**
   * Runs the attempt.
   *
   * @param context the attempt's number and time limit
   * @return the result
   * @throws Exception if the attempt fails
   */
  T call(AttemptContext context) throws Exception;
}
