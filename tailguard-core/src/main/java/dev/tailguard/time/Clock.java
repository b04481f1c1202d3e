package dev.tailguard.time;

import dev.tailguard.internal.SystemClock;
import java.time.Duration;

/**
 * A monotonic clock, the only source of time for Tailguard's policies.
 *
 * <p>Policies never read wall-clock time: deadlines, windows and latencies are all differences of
 * {@link #nanoTime()} readings, so a wall-clock jump (NTP) cannot shorten or stretch them.
 * Synchronous retries wait through {@link #sleep(Duration)}, never through {@code Thread.sleep},
 * which lets a fake clock drive them in tests without real waiting.
 *
 * <p>Implementations must be thread-safe.
 *
 * @since 0.1
 */
public interface Clock {

  /**
   * Returns the current value of a monotonic time source, in nanoseconds. Only differences between
   * two readings are meaningful, as with {@link System#nanoTime()}.
   *
   * @return the current monotonic time in nanoseconds
   */
  long nanoTime();

  /**
   * Blocks the calling thread for the given duration.
   *
   * @param duration how long to wait; zero or negative returns at once
   * @throws InterruptedException if the thread is interrupted before or while waiting; the
   *     interrupt flag is cleared, as with {@code Thread.sleep}
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Returns the clock backed by {@link System#nanoTime()} and {@link Thread#sleep(long, int)}.
   *
   * @return the shared system clock
   */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}
