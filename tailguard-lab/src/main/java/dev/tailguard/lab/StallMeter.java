package dev.tailguard.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Finds the moments when this JVM stopped running, as jHiccup does: a daemon thread asks to sleep
 * {@link #TICK} at a time, and when it wakes more than {@code threshold} late, the JVM was frozen
 * (a garbage collection or other safepoint) or the machine gave it no CPU, for about that long.
 * Every request in flight then waited the same time, whatever strategy sent it, so a wall-clock
 * comparison judges the requests clear of stalls and counts the rest.
 *
 * <p>Thread-safe. {@link #close()} stops the thread and waits for it.
 */
public final class StallMeter implements AutoCloseable {
  /** How long the meter's thread sleeps between looks. */
  public static final long TICK = TimeUnit.MILLISECONDS.toNanos(1);

  private final long thresholdNanos;
  private final LongSupplier nanoTime;
  /** Stall intervals as {start, end} in {@code nanoTime}, in order. */
  private final List<long[]> stalls = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  private StallMeter(long thresholdNanos, LongSupplier nanoTime, boolean startThread) {
    this.thresholdNanos = thresholdNanos;
    this.nanoTime = nanoTime;
    if (startThread) {
      thread = new Thread(this::watch, "lab-stall-meter");
      thread.setDaemon(true);
      thread.start();
    } else {
      thread = null;
    }
  }

  /**
   * Starts a meter that records wake-ups later than {@code thresholdMillis}.
   *
   * @throws IllegalArgumentException if {@code thresholdMillis <= 0}
   */
  public static StallMeter start(double thresholdMillis) {
    return new StallMeter(threshold(thresholdMillis), System::nanoTime, true);
  }

  /** A meter with no thread, fed by {@link #recordWakeUp}: for tests. */
  static StallMeter manual(double thresholdMillis) {
    return new StallMeter(threshold(thresholdMillis), System::nanoTime, false);
  }

  private static long threshold(double thresholdMillis) {
    if (!(thresholdMillis > 0)) {
      throw new IllegalArgumentException("thresholdMillis must be > 0: " + thresholdMillis);
    }
    return Math.round(thresholdMillis * 1e6);
  }

  private void watch() {
    long before = nanoTime.getAsLong();
    while (running) {
      try {
        TimeUnit.NANOSECONDS.sleep(TICK);
      } catch (InterruptedException stop) {
        return;
      }
      long after = nanoTime.getAsLong();
      recordWakeUp(before, after);
      before = after;
    }
  }

  /** The thread went to sleep at {@code asleep} for one {@link #TICK} and woke at {@code awake}. */
  void recordWakeUp(long asleep, long awake) {
    if (awake - asleep - TICK > thresholdNanos) {
      synchronized (stalls) {
        stalls.add(new long[] {asleep + TICK, awake});
      }
    }
  }

  /** True if a stall overlapped the interval [{@code from}, {@code to}] of {@code nanoTime}. */
  public boolean stalledDuring(long from, long to) {
    synchronized (stalls) {
      // Stalls are few (one per GC at most), so a scan from the newest back is cheap enough.
      for (int i = stalls.size() - 1; i >= 0; i--) {
        long[] stall = stalls.get(i);
        if (stall[1] < from) {
          return false;
        }
        if (stall[0] <= to) {
          return true;
        }
      }
      return false;
    }
  }

  /** Stalls recorded so far. */
  public int stalls() {
    synchronized (stalls) {
      return stalls.size();
    }
  }

  /** The longest stall so far, in milliseconds (0 if none). */
  public double longestMillis() {
    synchronized (stalls) {
      return stalls.stream().mapToLong(s -> s[1] - s[0]).max().orElse(0) / 1e6;
    }
  }

  /** Stops the meter's thread and waits (at most a second) for it to end. */
  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(1_000);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
