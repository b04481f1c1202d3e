package dev.tailguard.internal;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;

/** The shared daemon timer. One thread is enough: tasks only start attempts, they never block. */
public final class SystemScheduler implements Scheduler {
  public static final SystemScheduler INSTANCE = new SystemScheduler();

  private final ExecutorScheduler delegate;

  private SystemScheduler() {
    ThreadFactory daemon =
        task -> {
          Thread thread = new Thread(task, "tailguard-timer");
          thread.setDaemon(true);
          return thread;
        };
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, daemon);
    // Without this a cancelled timer stays queued until its deadline (grpc-java #1307).
    executor.setRemoveOnCancelPolicy(true);
    this.delegate = new ExecutorScheduler(executor, false);
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    return delegate.schedule(task, delay);
  }

  /** The number of tasks waiting in the shared queue; for leak tests. */
  public int queuedTasks() {
    return delegate.queuedTasks();
  }

  @Override
  public String toString() {
    return "Scheduler.system()";
  }
}
