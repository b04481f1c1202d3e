package dev.tailguard.internal;

import dev.tailguard.BudgetState;
import dev.tailguard.event.BudgetExhaustedEvent;
import dev.tailguard.event.EventListener;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** Counts a budget's denials and tells its listeners, after the decision, never inside it. */
final class BudgetDenials {
  private final List<EventListener<BudgetExhaustedEvent>> listeners;
  private final LongAdder count = new LongAdder();

  BudgetDenials(List<EventListener<BudgetExhaustedEvent>> listeners) {
    this.listeners = listeners;
  }

  void denied(int attempt, Supplier<BudgetState> state) {
    count.increment();
    if (!listeners.isEmpty()) {
      Listeners.fire(listeners, new BudgetExhaustedEvent(attempt, state.get()));
    }
  }

  long count() {
    return count.sum();
  }
}
