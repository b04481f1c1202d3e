package dev.tailguard.internal;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Scheduler} over a {@link ScheduledExecutorService}.
 *
 * <p>A caller-owned executor can be shut down under a pending task: {@code shutdownNow()} drains
 * the queue and tells nobody. Tasks that must know ({@link LossAware}: a pending retry) are
 * watched: while any is pending, Tailguard's own timer looks once every {@link #LOSS_CHECK} and
 * reports each task that a shut-down executor will never run.
 */
public final class ExecutorScheduler implements Scheduler {
  static final Duration LOSS_CHECK = Duration.ofSeconds(1);

  private final ScheduledExecutorService executor;
  private final boolean watchLosses;
  private final Set<Watched> pending = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean watching = new AtomicBoolean();

  public ExecutorScheduler(ScheduledExecutorService executor) {
    this(executor, true);
  }

  /** For Tailguard's own timer, which is never shut down and runs the loss checks itself. */
  ExecutorScheduler(ScheduledExecutorService executor, boolean watchLosses) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.watchLosses = watchLosses;
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    Objects.requireNonNull(task, "task");
    long nanos = Math.max(0L, Durations.toNanosSaturated(Objects.requireNonNull(delay, "delay")));
    if (!watchLosses || !(task instanceof LossAware)) {
      ScheduledFuture<?> future = executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    }
    Watched watched = new Watched((LossAware) task);
    pending.add(watched);
    try {
      watched.future = executor.schedule(watched, nanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException rejected) {
      pending.remove(watched);
      throw rejected;
    }
    watch();
    return watched;
  }

  private void watch() {
    if (watching.compareAndSet(false, true)) {
      SystemScheduler.INSTANCE.schedule(this::checkLosses, LOSS_CHECK);
    }
  }

  /** Reports the watched tasks a shut-down executor dropped; looks again while any is pending. */
  private void checkLosses() {
    if (executor.isShutdown()) {
      for (Watched watched : pending) {
        if (watched.isLost()) {
          pending.remove(watched);
          watched.reportLost(executor);
        }
      }
    }
    watching.set(false);
    if (!pending.isEmpty()) {
      watch();
    }
  }

  int queuedTasks() {
    return executor instanceof ScheduledThreadPoolExecutor
        ? ((ScheduledThreadPoolExecutor) executor).getQueue().size()
        : -1;
  }

  @Override
  public String toString() {
    return "Scheduler.of(" + executor + ")";
  }

  /** One watched task: started, cancelled by its owner, or (neither, on a dead executor) lost. */
  private final class Watched implements Runnable, Cancellable {
    final LossAware task;
    final AtomicBoolean claimed = new AtomicBoolean();
    volatile ScheduledFuture<?> future;
    /** Seen missing from the queue at the previous check; only the loss checks touch it. */
    boolean missingBefore;

    Watched(LossAware task) {
      this.task = task;
    }

    @Override
    public void run() {
      pending.remove(this);
      if (claimed.compareAndSet(false, true)) {
        task.run();
      }
    }

    @Override
    public boolean cancel() {
      pending.remove(this);
      boolean mine = claimed.compareAndSet(false, true);
      ScheduledFuture<?> scheduled = future;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
      return mine;
    }

    /** Not started, not cancelled by us, and the shut-down executor will never run it. */
    boolean isLost() {
      ScheduledFuture<?> scheduled = future;
      if (claimed.get() || scheduled == null) {
        return false;
      }
      if (scheduled.isCancelled() || executor.isTerminated()) {
        return true;
      }
      // shutdownNow() drained the queue; a task still queued after shutdown() will run. A task
      // just taken from the queue to run is missing from it too, for a moment: only a task missing
      // at two checks in a row is lost.
      boolean missing = executor instanceof ScheduledThreadPoolExecutor
          && !((ScheduledThreadPoolExecutor) executor).getQueue().contains(scheduled);
      boolean lost = missing && missingBefore;
      missingBefore = missing;
      return lost;
    }

    void reportLost(ScheduledExecutorService dead) {
      if (claimed.compareAndSet(false, true)) {
        task.lost(new RejectedExecutionException(
            dead + " was shut down with this task pending; it will never run"));
      }
    }
  }
}
