package dev.tailguard;

/**
 * Consulted before every retry and hedge: may this attempt be sent? Retry budgets ({@link
 * RetryBudget}) and the design notes' "retry access" check plug in here, so retries never turn an
 * overload into a storm.
 *
 * <p>Implementations are shared across calls and must be thread-safe. A refused retry ends the
 * call with {@link RetriesExhaustedException} and {@link GiveUpReason#ADMISSION_DENIED}; a refused
 * first attempt ({@link #admitRequest()}) fails the call with {@link BudgetExhaustedException}.
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

  /**
   * Decides whether the given attempt of the given call may start. Tailguard's engines call this
   * one; override it to keep a limit per call (at most one hedge per user request, say) without a
   * {@code Hedge} or {@code Retry} per call. The default ignores the call and asks {@link
   * #admit(int)}.
   *
   * @param callId the call's identity: the same for every attempt of one call, different for
   *     every call in this JVM (a sequence number, assigned when the call first asks)
   * @param attempt the number of the attempt about to start, at least 2
   * @return {@code true} to allow it
   */
  default boolean admit(long callId, int attempt) {
    return admit(attempt);
  }

  /**
   * Decides whether a new call may send its first attempt. Only client-side throttling ever says
   * no; the default admits every call.
   *
   * @return {@code true} to allow it
   */
  default boolean admitRequest() {
    return true;
  }

  /**
   * Learns the outcome of every attempt that reached the backend, so a budget can refill on
   * success and drain on failure. The default ignores it.
   *
   * @param verdict how the attempt was classified
   */
  default void record(Verdict verdict) {}

  /** Returns a snapshot of this admission's state, for exceptions and metrics. */
  default BudgetState state() {
    return BudgetState.of(toString(), Double.NaN, Double.NaN, 0);
  }

  /** Admits every retry; always the same instance, so engines can skip asking it. */
  static RetryAdmission always() {
    return Always.INSTANCE;
  }

  /** The admission that says yes and counts nothing. */
  enum Always implements RetryAdmission {
    INSTANCE;

    @Override
    public boolean admit(int attempt) {
      return true;
    }

    @Override
    public String toString() {
      return "always";
    }
  }
}
