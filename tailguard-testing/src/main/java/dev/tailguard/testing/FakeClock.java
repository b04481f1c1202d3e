package dev.tailguard.testing;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * A virtual clock that is also a scheduler, so one object drives every timer in a test.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * Retry retry = Retry.of(policy, clock, clock);
 * CompletableFuture<String> call = retry.executeAsync(server::callAsync);
 * clock.advance(Duration.ofMillis(49));   // the 50 ms retry has not started yet
 * clock.advance(Duration.ofMillis(1));    // now it has
 * clock.assertNoPendingTasks();           // nothing leaked
 * }</pre>
 *
 * <ul>
 *   <li>Time moves only when the test says so: {@link #advance}, {@link #sleep}, {@link #runNext}
 *       or {@link #runUntilIdle}.
 *   <li>Nothing runs inside {@link #schedule}; due tasks run in order of due time (then of
 *       scheduling) on the thread that moves time, with the clock set to each task's due time.
 *   <li>{@link #sleep} advances time, so synchronous retries run without waiting. If a task it
 *       runs interrupts the sleeping thread (an attempt timeout), it throws {@link
 *       InterruptedException} at that task's time, as a real sleep would.
 * </ul>
 *
 * <p>Thread-safe: any thread may schedule or cancel; time should be moved by one thread at a time.
 *
 * @since 0.1
 */
public final class FakeClock implements Clock, Scheduler {
  private final Object lock = new Object();
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  // Guarded by lock.
  private long nanos;
  private long sequence;
  private int live;

  /** Creates a clock reading 0 ns. */
  public FakeClock() {
    this(0);
  }

  /**
   * Creates a clock with the given reading. A large start catches code that treats {@code
   * nanoTime()} as an absolute time.
   *
   * @param startNanos the initial reading
   */
  public FakeClock(long startNanos) {
    this.nanos = startNanos;
  }

  @Override
  public long nanoTime() {
    synchronized (lock) {
      return nanos;
    }
  }

  /** Returns the time elapsed since the given reading. */
  public Duration elapsedSince(long startNanos) {
    return Duration.ofNanos(nanoTime() - startNanos);
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    Objects.requireNonNull(task, "task");
    long delayNanos = Math.max(0, saturatedNanos(Objects.requireNonNull(delay, "delay")));
    synchronized (lock) {
      Task scheduled = new Task(task, saturatedAdd(nanos, delayNanos), sequence++);
      queue.add(scheduled);
      live++;
      return scheduled;
    }
  }

  /**
   * Moves time forward by {@code duration}, running every task that falls due, in order.
   *
   * @param duration how far to move, {@code >= 0}
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public void advance(Duration duration) {
    requireNonNegative(duration);
    long target;
    synchronized (lock) {
      target = saturatedAdd(nanos, saturatedNanos(duration));
    }
    runUntil(target, false);
  }

  /** Same as {@link #advance(Duration)} with milliseconds; for brevity in tests. */
  public void advanceMillis(long millis) {
    advance(Duration.ofMillis(millis));
  }

  /**
   * Moves time forward like {@link #advance}, as a blocking wait would.
   *
   * @throws InterruptedException if the thread is interrupted before or during the wait; time
   *     stops at the task that interrupted it
   */
  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted before sleep");
    }
    if (duration.isNegative()) {
      return;
    }
    long target;
    synchronized (lock) {
      target = saturatedAdd(nanos, saturatedNanos(duration));
    }
    if (runUntil(target, true)) {
      throw new InterruptedException("interrupted during sleep");
    }
  }

  /** Runs the tasks already due at the current time. */
  public void runDueTasks() {
    runUntil(nanoTime(), false);
  }

  /**
   * Moves time to the earliest pending task and runs it (and any other task due then).
   *
   * @return {@code false} if there was no pending task
   */
  public boolean runNext() {
    long due;
    synchronized (lock) {
      Task next = peekLive();
      if (next == null) {
        return false;
      }
      due = next.due;
    }
    runUntil(due, false);
    return true;
  }

  /**
   * Runs tasks, moving time to each, until none is left. Tasks that schedule more tasks keep it
   * going; a test whose tasks reschedule forever should use {@link #advance} instead.
   *
   * @return the number of tasks run
   */
  public long runUntilIdle() {
    long ran = 0;
    while (true) {
      Task task;
      synchronized (lock) {
        task = pollLive(Long.MAX_VALUE);
        if (task == null) {
          return ran;
        }
      }
      task.action.run();
      ran++;
    }
  }

  /** Returns the number of scheduled tasks that have neither run nor been cancelled. */
  public int pendingTasks() {
    synchronized (lock) {
      return live;
    }
  }

  /** Returns how long until the earliest pending task is due, or empty if none is pending. */
  public Optional<Duration> nextTaskDelay() {
    synchronized (lock) {
      Task next = peekLive();
      return next == null ? Optional.empty() : Optional.of(Duration.ofNanos(next.due - nanos));
    }
  }

  /**
   * Fails if any scheduled task is still pending: a leaked timer.
   *
   * @throws AssertionError listing the pending tasks' due times
   */
  public void assertNoPendingTasks() {
    synchronized (lock) {
      if (live == 0) {
        return;
      }
      List<String> pending = new ArrayList<>();
      for (Task task : queue) {
        if (!task.cancelled) {
          pending.add("due in " + Duration.ofNanos(task.due - nanos) + ": " + task.action);
        }
      }
      throw new AssertionError(live + " task(s) still scheduled: " + pending);
    }
  }

  /** Runs due tasks up to {@code target}; returns whether it stopped for an interrupt. */
  private boolean runUntil(long target, boolean stopOnInterrupt) {
    while (true) {
      Task task;
      synchronized (lock) {
        task = pollLive(target);
        if (task == null) {
          nanos = Math.max(nanos, target);
          return false;
        }
      }
      task.action.run();
      if (stopOnInterrupt && Thread.interrupted()) {
        return true;
      }
    }
  }

  // Guarded by lock. Removes and returns the earliest live task due by target, moving time to it.
  private Task pollLive(long target) {
    Task next = peekLive();
    if (next == null || next.due > target) {
      return null;
    }
    queue.poll();
    next.started = true;
    live--;
    nanos = Math.max(nanos, next.due);
    return next;
  }

  // Guarded by lock. Drops cancelled tasks from the head of the queue.
  private Task peekLive() {
    Task head = queue.peek();
    while (head != null && head.cancelled) {
      queue.poll();
      head = queue.peek();
    }
    return head;
  }

  private static void requireNonNegative(Duration duration) {
    if (Objects.requireNonNull(duration, "duration").isNegative()) {
      throw new IllegalArgumentException("duration must be >= 0: " + duration);
    }
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException overflow) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum;
  }

  @Override
  public String toString() {
    return "FakeClock{nanos=" + nanoTime() + ", pending=" + pendingTasks() + "}";
  }

  private final class Task implements Comparable<Task>, Cancellable {
    final Runnable action;
    final long due;
    final long order;
    // Guarded by lock.
    boolean cancelled;
    boolean started;

    Task(Runnable action, long due, long order) {
      this.action = action;
      this.due = due;
      this.order = order;
    }

    @Override
    public boolean cancel() {
      synchronized (lock) {
        if (cancelled || started) {
          return false;
        }
        // Cancelled tasks stay in the heap until they reach its head; only the count drops now.
        cancelled = true;
        live--;
        return true;
      }
    }

    @Override
    public int compareTo(Task other) {
      int byDue = Long.compare(due, other.due);
      return byDue != 0 ? byDue : Long.compare(order, other.order);
    }
  }
}
