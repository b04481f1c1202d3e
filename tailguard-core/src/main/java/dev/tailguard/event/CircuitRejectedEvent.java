package dev.tailguard.event;

import dev.tailguard.CircuitState;

/**
 * A circuit breaker refused a call.
 *
 * @since 0.1
 */
public final class CircuitRejectedEvent {
  private final String breaker;
  private final CircuitState state;

  /**
   * Creates the event.
   *
   * @param breaker the breaker's name
   * @param state the state that refused the call
   */
  public CircuitRejectedEvent(String breaker, CircuitState state) {
    this.breaker = breaker;
    this.state = state;
  }

  /** Returns the breaker's name. */
  public String breaker() {
    return breaker;
  }

  /** Returns the state that refused the call. */
  public CircuitState state() {
    return state;
  }

  @Override
  public String toString() {
    return "CircuitRejectedEvent{" + breaker + ", " + state + "}";
  }
}
