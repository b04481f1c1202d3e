package dev.tailguard.internal;

import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetryAdmission;
import dev.tailguard.event.EventListener;
import dev.tailguard.event.ResultDiscardedEvent;
import java.util.List;

/** What both engines do with outcomes nobody receives, and with a call the budget refuses. */
final class Outcomes {
  private Outcomes() {}

  /** Releases a result nobody will receive and tells the listeners; null results are ignored. */
  static <T> void discard(
      OutcomeHandler<? super T> handler,
      List<EventListener<ResultDiscardedEvent>> listeners,
      int fromAttempt,
      T result,
      ResultDiscardedEvent.Reason reason) {
    if (result == null) {
      return;
    }
    Listeners.call(handler.onDiscard(), result, "onDiscard");
    if (!listeners.isEmpty()) {
      Listeners.fire(listeners, new ResultDiscardedEvent(fromAttempt, reason, result));
    }
  }

  /** Summarises a result for histories, never failing and never printing a body by default. */
  static <T> String summary(OutcomeHandler<? super T> handler, T result) {
    try {
      return String.valueOf(handler.resultSummary().apply(result));
    } catch (RuntimeException e) {
      return result == null ? "null" : result.getClass().getSimpleName();
    }
  }

  /** Asks the admission whether a new call may start; returns the refusal to throw, or null. */
  static BudgetExhaustedException refuseFirstAttempt(RetryAdmission admission) {
    boolean admitted;
    try {
      admitted = admission.admitRequest();
    } catch (RuntimeException e) {
      // A broken admission check must not take the service down: let the call through.
      Listeners.warn("Tailguard admission admitRequest() threw; call admitted", e);
      admitted = true;
    }
    return admitted ? null : new BudgetExhaustedException(1, admission.state());
  }
}
