package dev.tailguard.time;

import dev.tailguard.internal.ExecutorScheduler;
import dev.tailguard.internal.SystemScheduler;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs a task after a delay. Asynchronous retries and hedges wait through a scheduler, never by
 * blocking a thread.
 *
 * <p>Tasks should be short: the default scheduler runs them on one shared timer thread. A task
 * that starts a new attempt hands the real work to the attempt's own asynchronous machinery.
 *
 * <p>Implementations must be thread-safe.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Scheduler {

  /**
   * Schedules {@code task} to run once after {@code delay}.
   *
   * @param task the task to run
   * @param delay how long to wait; zero or negative means as soon as possible
   * @return a handle that cancels the task and removes it from the queue
   * @throws RejectedExecutionException if the scheduler has been shut down
   */
  Cancellable schedule(Runnable task, Duration delay);

  /**
   * Returns Tailguard's shared scheduler: one daemon {@link
   * java.util.concurrent.ScheduledThreadPoolExecutor} thread with remove-on-cancel, so cancelled
   * timers are dropped from its queue at once. It is never shut down.
   *
   * @return the shared system scheduler
   */
  static Scheduler system() {
    return SystemScheduler.INSTANCE;
  }

  /**
   * Adapts a caller-owned executor. Tailguard never shuts it down. Cancelled tasks are removed
   * from its queue only if the executor has its remove-on-cancel policy set.
   *
   * @param executor the executor to schedule on
   * @return a scheduler backed by {@code executor}
   * @throws NullPointerException if {@code executor} is null
   */
  static Scheduler of(ScheduledExecutorService executor) {
    return new ExecutorScheduler(executor);
  }
}
