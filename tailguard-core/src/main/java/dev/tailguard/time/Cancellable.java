package dev.tailguard.time;

/**
 * A handle to a task scheduled with a {@link Scheduler}.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Cancellable {

  /**
   * Cancels the task if it has not started yet, and removes it from the scheduler's queue so that
   * cancelled timers never pile up. Calling it again, or after the task ran, does nothing.
   *
   * @return {@code true} if this call prevented the task from running
   */
  boolean cancel();
}
