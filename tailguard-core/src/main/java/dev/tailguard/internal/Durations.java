package dev.tailguard.internal;

import java.time.Duration;

/** Duration arithmetic that saturates instead of throwing or wrapping. */
public final class Durations {
  private Durations() {}

  /**
   * Converts to nanoseconds, saturating at {@code Long.MAX_VALUE} / {@code Long.MIN_VALUE}.
   * {@link Duration#toNanos()} throws for anything beyond about 292 years, which a user-supplied
   * cap such as {@code Duration.ofSeconds(Long.MAX_VALUE)} easily is.
   */
  public static long toNanosSaturated(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException overflow) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** {@code a + b} for non-negative values, saturating at {@code Long.MAX_VALUE}. */
  public static long saturatedAdd(long a, long b) {
    long sum = a + b;
    // Both operands are non-negative, so a wrap shows up as a negative sum.
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /** Formats nanoseconds compactly for messages: {@code 250ms}, {@code 1.5s}, {@code 12µs}. */
  public static String format(long nanos) {
    if (nanos < 0) {
      return "?";
    }
    if (nanos < 1_000_000L) {
      return (nanos / 1_000L) + "µs";
    }
    if (nanos < 10_000_000_000L) {
      double millis = nanos / 1e6;
      return millis == Math.rint(millis) ? ((long) millis) + "ms" : String.format("%.1fms", millis);
    }
    return String.format("%.1fs", nanos / 1e9);
  }
}
