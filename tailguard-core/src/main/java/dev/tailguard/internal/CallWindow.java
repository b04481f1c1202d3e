package dev.tailguard.internal;

import java.util.concurrent.locks.ReentrantLock;

/** A CLOSED breaker's sliding window of call outcomes; one per CLOSED episode. Thread-safe. */
abstract class CallWindow {
  static final int FAILED = 2;
  static final int SLOW = 4;

  /** Records one call; returns whether this call could have crossed a threshold. */
  abstract void record(boolean failed, boolean slow);

  abstract long calls();

  abstract long failures();

  abstract long slowCalls();

  /**
   * The last N calls: a ring of outcome codes plus running counts, linearizable under racing
   * writers. A healthy window (full, all successes) records a success with one read and no write.
   *
   * <p>Why a lock: a writer that claimed a slot but had not written it yet still counted the
   * outcome it was about to evict, while a later writer already replaced the next slot, so a
   * reader saw an outcome twice (2 slow calls in a window of 2 that only ever held one; Lincheck,
   * {@code CountWindowLincheckTest}). Writers now claim, swap and count in one step, and the three
   * counts live in one volatile word, so every read sees a whole number of records.
   */
  static final class Count extends CallWindow {
    private static final int BITS = 21;
    private static final long MASK = (1L << BITS) - 1;
    private static final long ONE_CALL = 1L;
    private static final long ONE_FAILURE = 1L << BITS;
    private static final long ONE_SLOW = 1L << (2 * BITS);

    private final int size;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private final byte[] ring;
    private int next;
    /** calls | failures << 21 | slow << 42 (each at most 1,000,000); written under the lock. */
    private volatile long counts;

    Count(int size) {
      // The packed counts hold at most 2^21 - 1 each; the config caps windows at 1,000,000.
      Checks.argument(size >= 1 && size <= MASK, "windowSize must be in [1, %s]: %s", MASK, size);
      this.size = size;
      this.ring = new byte[size];
    }

    @Override
    void record(boolean failed, boolean isSlow) {
      // A success entering a full window of successes changes nothing wherever it lands, so it
      // takes no lock. Against a writer whose counts are not published yet it simply comes first.
      if (!failed && !isSlow && counts == size) {
        return;
      }
      byte code = (byte) (1 | (failed ? FAILED : 0) | (isSlow ? SLOW : 0));
      lock.lock();
      try {
        int index = next;
        next = index + 1 == size ? 0 : index + 1;
        byte old = ring[index];
        // The common case, a success replacing a success, changes nothing: skip the write.
        if (old == code) {
          return;
        }
        ring[index] = code;
        long delta = (old == 0 ? ONE_CALL : 0)
            + (((code & FAILED) - (old & FAILED)) / FAILED) * ONE_FAILURE
            + (((code & SLOW) - (old & SLOW)) / SLOW) * ONE_SLOW;
        counts += delta;
      } finally {
        lock.unlock();
      }
    }

    @Override
    long calls() {
      return counts & MASK;
    }

    @Override
    long failures() {
      return (counts >>> BITS) & MASK;
    }

    @Override
    long slowCalls() {
      return (counts >>> (2 * BITS)) & MASK;
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
