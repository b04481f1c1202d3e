package dev.tailguard;

/**
 * A budget refused an attempt. Thrown (or attached as suppressed to {@link
 * RetriesExhaustedException}) with the budget's state at the time, so a denial never goes
 * unexplained. Never retried by the {@linkplain Classifier#defaults() default classifier}.
 *
 * <p>Created on a hot path under overload, so it records no stack trace.
 *
 * @since 0.1
 */
public final class BudgetExhaustedException extends TailguardException implements TailguardRejection {
  private static final long serialVersionUID = 1L;

  private final transient BudgetState state;
  private final int attempt;

  /**
   * Creates the exception.
   *
   * @param attempt the attempt that was refused, 1 for a call's first
   * @param state the budget's state when it refused
   */
  public BudgetExhaustedException(int attempt, BudgetState state) {
    super("budget refused attempt " + attempt + ": " + state, null, false);
    this.attempt = attempt;
    this.state = state;
  }

  /** Returns the number of the refused attempt (1 for the call's first). */
  public int attempt() {
    return attempt;
  }

  /** Returns the budget's state when it refused. */
  public BudgetState state() {
    return state;
  }
}
