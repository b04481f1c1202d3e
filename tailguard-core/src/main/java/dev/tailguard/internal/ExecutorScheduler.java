package dev.tailguard.internal;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A {@link Scheduler} over a {@link ScheduledExecutorService}. */
public final class ExecutorScheduler implements Scheduler {
  private final ScheduledExecutorService executor;

  public ExecutorScheduler(ScheduledExecutorService executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    Objects.requireNonNull(task, "task");
    long nanos = Math.max(0L, Durations.toNanosSaturated(Objects.requireNonNull(delay, "delay")));
    ScheduledFuture<?> future = executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
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
}
