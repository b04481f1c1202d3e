package dev.tailguard.internal;

import dev.tailguard.event.EventListener;
import java.util.List;
import java.util.function.Consumer;

/** Calls user code (listeners, hooks) so that nothing it throws can break a call. */
public final class Listeners {
  private static final System.Logger LOG = System.getLogger("dev.tailguard");

  private Listeners() {}

  public static <E> void fire(List<EventListener<E>> listeners, E event) {
    // Indexed loop: no iterator on the event path.
    for (int i = 0; i < listeners.size(); i++) {
      try {
        listeners.get(i).onEvent(event);
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.WARNING, "Tailguard listener threw on " + event, t);
      }
    }
  }

  public static <T> void call(Consumer<? super T> hook, T value, String what) {
    try {
      hook.accept(value);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.WARNING, "Tailguard " + what + " hook threw", t);
    }
  }

  public static void warn(String message, Throwable t) {
    LOG.log(System.Logger.Level.WARNING, message, t);
  }
}
