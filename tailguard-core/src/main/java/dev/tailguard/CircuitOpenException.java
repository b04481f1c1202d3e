package dev.tailguard;

/**
 * A circuit breaker rejected the call without trying it. Never retried by the {@linkplain
 * Classifier#defaults() default classifier}. Created on a hot path while a backend is down, so it
 * records no stack trace.
 *
 * @since 0.1
 */
public final class CircuitOpenException extends TailguardException implements TailguardRejection {
  private static final long serialVersionUID = 1L;

  private final CircuitState state;

  /**
   * Creates the exception.
   *
   * @param name the breaker's name
   * @param state the state that rejected the call
   */
  public CircuitOpenException(String name, CircuitState state) {
    super("circuit breaker '" + name + "' is " + state + ": call not permitted", null, false);
    this.state = state;
  }

  /** Returns the state that rejected the call: OPEN, HALF_OPEN (no trial permit left) or FORCED_OPEN. */
  public CircuitState state() {
    return state;
  }
}
