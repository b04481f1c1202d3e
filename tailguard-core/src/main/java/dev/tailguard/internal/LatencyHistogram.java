package dev.tailguard.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Log-linear latency buckets (the HdrHistogram layout): values below 256 ns are exact, above that
 * each power of two is split into 128 sub-buckets, so every bucket is within 0.8% of its values.
 * Values are capped at 2^44 ns (about 4.9 hours).
 *
 * <p>Recording is one {@code numberOfLeadingZeros}, a shift and one atomic increment: lock-free and
 * allocation-free. Two counts per bucket: attempts that completed at that latency, and attempts
 * that were cancelled at that age (censored: their latency is only known to be at least that).
 */
final class LatencyHistogram {
  static final int SUB_BITS = 7;
  private static final int MAX_MSB = 44;
  // The largest value, 2^44 - 1, has its top bit at 43.
  static final int BUCKETS = ((MAX_MSB - 1 - SUB_BITS) << SUB_BITS) + (1 << (SUB_BITS + 1));

  final AtomicLongArray completed = new AtomicLongArray(BUCKETS);
  final AtomicLongArray censored = new AtomicLongArray(BUCKETS);

  void record(long nanos, boolean complete) {
    (complete ? completed : censored).incrementAndGet(index(nanos));
  }

  static int index(long nanos) {
    long v = Math.max(0, Math.min(nanos, (1L << MAX_MSB) - 1));
    int msb = 63 - Long.numberOfLeadingZeros(v);
    if (msb <= SUB_BITS) {
      return (int) v;
    }
    int shift = msb - SUB_BITS;
    return (shift << SUB_BITS) + (int) (v >>> shift);
  }

  /** The smallest value that falls in bucket {@code index}. */
  static long lowerBound(int index) {
    if (index < (1 << (SUB_BITS + 1))) {
      return index;
    }
    int shift = (index >>> SUB_BITS) - 1;
    long sub = index - ((long) shift << SUB_BITS);
    return sub << shift;
  }

  /** One past the largest value that falls in bucket {@code index}. */
  static long upperBound(int index) {
    return index + 1 < BUCKETS ? lowerBound(index + 1) : 1L << MAX_MSB;
  }
}
