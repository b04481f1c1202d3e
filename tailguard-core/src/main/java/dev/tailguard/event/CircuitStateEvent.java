package dev.tailguard.event;

import dev.tailguard.CircuitState;

/**
 * A circuit breaker changed state. Fired after the transition, never inside it.
 *
 * @since 0.1
 */
public final class CircuitStateEvent {
  private final String breaker;
  private final CircuitState from;
  private final CircuitState to;

  /**
   * Creates the event.
   *
   * @param breaker the breaker's name
   * @param from the state before
   * @param to the state after
   */
  public CircuitStateEvent(String breaker, CircuitState from, CircuitState to) {
    this.breaker = breaker;
    this.from = from;
    this.to = to;
  }

  /** Returns the breaker's name. */
  public String breaker() {
    return breaker;
  }

  /** Returns the state before the transition. */
  public CircuitState from() {
    return from;
  }

  /** Returns the state after the transition. */
  public CircuitState to() {
    return to;
  }

  @Override
  public String toString() {
    return "CircuitStateEvent{" + breaker + ": " + from + " -> " + to + "}";
  }
}
