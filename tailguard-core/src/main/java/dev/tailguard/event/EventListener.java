package dev.tailguard.event;

/**
 * Receives one type of Tailguard event. Several listeners may be registered for the same event;
 * each runs in registration order. A listener that throws is logged through {@link System.Logger}
 * (logger {@code dev.tailguard}) and never breaks the call or the other listeners.
 *
 * <p>Listeners run on whichever thread completed the attempt or fired the timer: keep them short
 * and non-blocking.
 *
 * @param <E> the event type
 * @since 0.1
 */
@FunctionalInterface
public interface EventListener<E> {
  /**
   * Handles an event.
   *
   * @param event the event, never null
   */
  void onEvent(E event);
}
