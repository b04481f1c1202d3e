package dev.tailguard.event;

import dev.tailguard.BudgetState;

/**
 * A budget refused an attempt.
 *
 * @since 0.1
 */
public final class BudgetExhaustedEvent {
  private final int attempt;
  private final BudgetState state;

  /**
   * Creates the event.
   *
   * @param attempt the refused attempt's number, 1 for a call's first
   * @param state the budget's state when it refused
   */
  public BudgetExhaustedEvent(int attempt, BudgetState state) {
    this.attempt = attempt;
    this.state = state;
  }

  /** Returns the refused attempt's number: 1 for a first attempt, more for a retry or hedge. */
  public int attempt() {
    return attempt;
  }

  /** Returns the budget's state when it refused. */
  public BudgetState state() {
    return state;
  }

  @Override
  public String toString() {
    return "BudgetExhaustedEvent{attempt=" + attempt + ", state=" + state + "}";
  }
}
