package dev.tailguard;

/**
 * Consulted before every retry: may this retry be sent? Retry budgets and the design notes'
 * "retry access" check plug in here, so retries never turn an overload into a storm.
 *
 * <p>Implementations are shared across calls and must be thread-safe. A refusal ends the call
 * with {@link RetriesExhaustedException} and {@link GiveUpReason#ADMISSION_DENIED}.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface RetryAdmission {

  /**
   * Decides whether the given attempt may start.
   *
   * @param attempt the number of the attempt about to start, at least 2
   * @return {@code true} to allow it
   */
  boolean admit(int attempt);

  /** Admits every retry. */
  static RetryAdmission always() {
    return attempt -> true;
  }
}
