package dev.tailguard.internal;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;

/** A CLOSED breaker's sliding window of call outcomes. Lock-free; one per CLOSED episode. */
abstract class CallWindow {
  static final int FAILED = 2;
  static final int SLOW = 4;

  /** Records one call; returns whether this call could have crossed a threshold. */
  abstract void record(boolean failed, boolean slow);

  abstract long calls();

  abstract long failures();

  abstract long slowCalls();

  /**
   * The last N calls: a ring of outcome codes plus running counts, exact under concurrency. A
   * healthy window (full, all successes) records a success with three reads and no write.
   */
  static final class Count extends CallWindow {
    private final int size;
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicIntegerArray ring;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger slow = new AtomicInteger();

    Count(int size) {
      this.size = size;
      this.ring = new AtomicIntegerArray(size);
    }

    @Override
    void record(boolean failed, boolean isSlow) {
      // A success entering a full window of successes changes nothing wherever it lands, so it
      // skips even the cursor. Against a failure whose count is not visible yet it simply comes
      // first: that failure still leaves the window after the same number of later calls.
      if (!failed && !isSlow && failures.get() == 0 && slow.get() == 0 && cursor.get() >= size) {
        return;
      }
      int code = 1 | (failed ? FAILED : 0) | (isSlow ? SLOW : 0);
      int index = (int) (cursor.getAndIncrement() % size);
      // The common case, a success replacing a success, changes nothing: skip the write. A racing
      // writer of the same slot then simply leaves its own code, with counts that match it.
      if (ring.get(index) == code) {
        return;
      }
      int old = ring.getAndSet(index, code);
      // Adjust the counts by what entered minus what left; getAndSet makes every call's delta exact.
      int failedDelta = ((code & FAILED) - (old & FAILED)) / FAILED;
      if (failedDelta != 0) {
        failures.addAndGet(failedDelta);
      }
      int slowDelta = ((code & SLOW) - (old & SLOW)) / SLOW;
      if (slowDelta != 0) {
        slow.addAndGet(slowDelta);
      }
    }

    @Override
    long calls() {
      return Math.min(cursor.get(), size);
    }

    @Override
    long failures() {
      return failures.get();
    }

    @Override
    long slowCalls() {
      return slow.get();
    }
  }

  /** The calls of the last duration, in buckets that expire with time. */
  static final class Time extends CallWindow {
    private final WindowedCounter calls;
    private final WindowedCounter failures;
    private final WindowedCounter slow;

    Time(dev.tailguard.time.Clock clock, long windowNanos, int buckets) {
      this.calls = new WindowedCounter(clock, windowNanos, buckets);
      this.failures = new WindowedCounter(clock, windowNanos, buckets);
      this.slow = new WindowedCounter(clock, windowNanos, buckets);
    }

    @Override
    void record(boolean failed, boolean isSlow) {
      calls.add(1);
      if (failed) {
        failures.add(1);
      }
      if (isSlow) {
        slow.add(1);
      }
    }

    @Override
    long calls() {
      return calls.sum();
    }

    @Override
    long failures() {
      return failures.sum();
    }

    @Override
    long slowCalls() {
      return slow.sum();
    }
  }
}
