package dev.tailguard.internal;

import dev.tailguard.time.Clock;
import java.time.Duration;

/** The real monotonic clock. */
@SuppressForbidden(reason = "the one place core reads real time")
public enum SystemClock implements Clock {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    long nanos = Durations.toNanosSaturated(duration);
    if (nanos <= 0) {
      // A zero wait still honours an interrupt, so a retry loop cannot spin past one.
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      return;
    }
    Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
  }

  @Override
  public String toString() {
    return "Clock.system()";
  }
}
