package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.internal.Durations;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long to wait before retry number {@code n}: a schedule (fixed, linear or exponential) and a
 * {@link Jitter}.
 *
 * <pre>{@code
 * Backoff fixed = Backoff.fixed(Duration.ofMillis(10));                     // brpc backup_request_ms
 * Backoff grpc  = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(120), 1.6)
 *                        .withJitter(Jitter.proportional(0.2));              // gRPC A6
 * Backoff seed  = Backoff.binaryExponentialWithJitter(Duration.ofMillis(5), Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Schedules, for retry {@code n ≥ 1} (values of {@code n} below 1 are treated as 1):
 *
 * <ul>
 *   <li>fixed: {@code d};
 *   <li>linear: {@code min(max, initial + step·(n−1))};
 *   <li>exponential: {@code min(max, initial·multiplier^(n−1))}.
 * </ul>
 *
 * <p>Every call is O(1), allocation-free and safe for every {@code n} up to {@link
 * Integer#MAX_VALUE}: the result never overflows, is never negative and never exceeds the cap.
 * Randomness is passed in, so the math is deterministic for a given generator. Invalid parameters
 * are rejected when the value is built, with a message naming the parameter and the value.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Backoff {
  /** The shapes a backoff schedule can have. */
  public enum Schedule {
    /** The same delay every time. */
    FIXED,
    /** The delay grows by a fixed step. */
    LINEAR,
    /** The delay grows by a fixed factor. */
    EXPONENTIAL
  }

  private static final Backoff NONE = new Backoff(Schedule.FIXED, 0, 0, 1.0, 0, Jitter.none());

  private final Schedule schedule;
  private final long initialNanos;
  private final long stepNanos;
  private final double multiplier;
  private final long maxNanos;
  private final Jitter jitter;
  /** Exponential only: the smallest exponent {@code n−1} at which the schedule reaches the cap. */
  private final int capExponent;

  private Backoff(
      Schedule schedule,
      long initialNanos,
      long stepNanos,
      double multiplier,
      long maxNanos,
      Jitter jitter) {
    this.schedule = schedule;
    this.initialNanos = initialNanos;
    this.stepNanos = stepNanos;
    this.multiplier = multiplier;
    this.maxNanos = maxNanos;
    this.jitter = jitter;
    this.capExponent = capExponent(initialNanos, maxNanos, multiplier);
  }

  /** No wait at all: retries start at once. */
  public static Backoff none() {
    return NONE;
  }

  /**
   * The same delay before every retry.
   *
   * @param delay the delay, {@code >= 0}
   * @return the backoff
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public static Backoff fixed(Duration delay) {
    long nanos = Durations.toNanosSaturated(Checks.nonNegative(delay, "delay"));
    return new Backoff(Schedule.FIXED, nanos, 0, 1.0, nanos, Jitter.none());
  }

  /**
   * A delay that grows linearly: {@code min(max, initial + step·(n−1))}.
   *
   * @param initial the first delay, {@code >= 0}
   * @param step the increment per retry, {@code >= 0}
   * @param max the cap, {@code >= initial}
   * @return the backoff
   * @throws IllegalArgumentException if a duration is negative or {@code max < initial}
   */
  public static Backoff linear(Duration initial, Duration step, Duration max) {
    long initialNanos = Durations.toNanosSaturated(Checks.nonNegative(initial, "initial"));
    long stepNanos = Durations.toNanosSaturated(Checks.nonNegative(step, "step"));
    long maxNanos = Durations.toNanosSaturated(Checks.nonNegative(max, "max"));
    Checks.argument(maxNanos >= initialNanos, "max (%s) must be >= initial (%s)", max, initial);
    return new Backoff(Schedule.LINEAR, initialNanos, stepNanos, 1.0, maxNanos, Jitter.none());
  }

  /**
   * Binary exponential backoff: {@code min(max, initial·2^(n−1))}, without jitter.
   *
   * @param initial the first delay, {@code > 0}
   * @param max the cap, {@code >= initial}
   * @return the backoff
   * @throws IllegalArgumentException if {@code initial} is not positive or {@code max < initial}
   * @see #binaryExponentialWithJitter(Duration, Duration)
   */
  public static Backoff exponential(Duration initial, Duration max) {
    return exponential(initial, max, 2.0);
  }

  /**
   * Exponential backoff: {@code min(max, initial·multiplier^(n−1))}, without jitter.
   *
   * @param initial the first delay, {@code > 0}
   * @param max the cap, {@code >= initial}
   * @param multiplier the growth factor, finite and {@code >= 1}
   * @return the backoff
   * @throws IllegalArgumentException if {@code initial} is not positive, {@code max < initial},
   *     or {@code multiplier} is NaN, infinite or below 1
   */
  public static Backoff exponential(Duration initial, Duration max, double multiplier) {
    long initialNanos = Durations.toNanosSaturated(Checks.positive(initial, "initial"));
    long maxNanos = Durations.toNanosSaturated(Checks.notNull(max, "max"));
    Checks.argument(maxNanos >= initialNanos, "max (%s) must be >= initial (%s)", max, initial);
    Checks.argument(
        multiplier >= 1.0 && multiplier < Double.POSITIVE_INFINITY,
        "multiplier must be finite and >= 1: %s",
        multiplier);
    return new Backoff(Schedule.EXPONENTIAL, initialNanos, 0, multiplier, maxNanos, Jitter.none());
  }

  /**
   * The design notes' "binary exponential backoff with jitter": exponential with multiplier 2 and
   * {@linkplain Jitter#full() full jitter}, so retry {@code n} waits {@code uniform[0, min(max,
   * initial·2^(n−1))]}.
   *
   * @param initial the first delay before jitter, {@code > 0}
   * @param max the cap, {@code >= initial}
   * @return the backoff
   * @throws IllegalArgumentException if {@code initial} is not positive or {@code max < initial}
   */
  public static Backoff binaryExponentialWithJitter(Duration initial, Duration max) {
    return exponential(initial, max, 2.0).withJitter(Jitter.full());
  }

  /**
   * Returns a copy of this backoff with the given jitter.
   *
   * @param jitter the jitter
   * @return the new backoff
   * @throws NullPointerException if {@code jitter} is null
   */
  public Backoff withJitter(Jitter jitter) {
    Checks.notNull(jitter, "jitter");
    return new Backoff(schedule, initialNanos, stepNanos, multiplier, maxNanos, jitter);
  }

  /**
   * The delay before retry {@code n}, in nanoseconds.
   *
   * @param n the retry number, 1 for the first retry; values below 1 are treated as 1
   * @param previousNanos the delay used before this one (decorrelated jitter grows from it); pass
   *     0 for the first retry
   * @param random the source of randomness; not used when there is no jitter
   * @return the delay, in {@code [0, max]}
   */
  public long delayNanos(int n, long previousNanos, RandomGenerator random) {
    switch (jitter.kind()) {
      case NONE:
        return scheduleNanos(n);
      case PROPORTIONAL:
        {
          long v = scheduleNanos(n);
          double spread = v * jitter.factor();
          double jittered = v - spread + 2.0 * spread * random.nextDouble();
          return clamp(jittered, maxNanos);
        }
      case FULL:
        return clamp(scheduleNanos(n) * random.nextDouble(), maxNanos);
      case EQUAL:
        {
          long v = scheduleNanos(n);
          long half = v / 2;
          return clamp(half + (v - half) * random.nextDouble(), maxNanos);
        }
      case DECORRELATED:
        {
          double base = initialNanos;
          double upper = 3.0 * Math.max(base, (double) previousNanos);
          return clamp(base + (upper - base) * random.nextDouble(), maxNanos);
        }
      default:
        throw new AssertionError(jitter.kind());
    }
  }

  /**
   * The delay before retry {@code n}, as a {@link Duration}; decorrelated jitter starts from the
   * base. Prefer {@link #delayNanos} on hot paths.
   *
   * @param n the retry number, 1 for the first retry
   * @param random the source of randomness
   * @return the delay, in {@code [0, max]}
   */
  public Duration delay(int n, RandomGenerator random) {
    return Duration.ofNanos(delayNanos(n, 0, random));
  }

  /**
   * The schedule's delay before retry {@code n} before jitter, in nanoseconds.
   *
   * @param n the retry number, 1 for the first retry; values below 1 are treated as 1
   * @return the delay, in {@code [initial, max]}; non-decreasing in {@code n}
   */
  public long scheduleNanos(int n) {
    // Values below 1 are not retries; treating them as the first keeps every input safe.
    long steps = Math.max(1, n) - 1L;
    switch (schedule) {
      case FIXED:
        return initialNanos;
      case LINEAR:
        // Saturate before multiplying: step·steps can overflow long for large n.
        if (stepNanos == 0 || steps > (maxNanos - initialNanos) / stepNanos) {
          return stepNanos == 0 ? initialNanos : maxNanos;
        }
        return initialNanos + stepNanos * steps;
      case EXPONENTIAL:
        if (steps >= capExponent) {
          return maxNanos;
        }
        return clamp(initialNanos * Math.pow(multiplier, steps), maxNanos);
      default:
        throw new AssertionError(schedule);
    }
  }

  /** Returns the schedule's shape. */
  public Schedule schedule() {
    return schedule;
  }

  /** Returns the first delay (for decorrelated jitter, the base). */
  public Duration initial() {
    return Duration.ofNanos(initialNanos);
  }

  /** Returns the linear step; zero for other schedules. */
  public Duration step() {
    return Duration.ofNanos(stepNanos);
  }

  /** Returns the exponential multiplier; 1 for other schedules. */
  public double multiplier() {
    return multiplier;
  }

  /** Returns the cap: no delay is ever longer. */
  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }

  /** Returns the jitter. */
  public Jitter jitter() {
    return jitter;
  }

  private static long clamp(double nanos, long max) {
    // NaN cannot arise from validated inputs, but a negative zero or rounding below 0 can.
    if (!(nanos > 0)) {
      return 0;
    }
    return nanos >= max ? max : (long) nanos;
  }

  private static int capExponent(long initialNanos, long maxNanos, double multiplier) {
    if (multiplier <= 1.0 || initialNanos <= 0) {
      return Integer.MAX_VALUE;
    }
    double exponent = Math.log((double) maxNanos / initialNanos) / Math.log(multiplier);
    return exponent >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.ceil(exponent);
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof Backoff)) {
      return false;
    }
    Backoff that = (Backoff) other;
    return schedule == that.schedule
        && initialNanos == that.initialNanos
        && stepNanos == that.stepNanos
        && Double.compare(multiplier, that.multiplier) == 0
        && maxNanos == that.maxNanos
        && jitter.equals(that.jitter);
  }

  @Override
  public int hashCode() {
    int h = schedule.hashCode();
    h = 31 * h + Long.hashCode(initialNanos);
    h = 31 * h + Long.hashCode(stepNanos);
    h = 31 * h + Double.hashCode(multiplier);
    h = 31 * h + Long.hashCode(maxNanos);
    return 31 * h + jitter.hashCode();
  }

  @Override
  public String toString() {
    String base;
    switch (schedule) {
      case FIXED:
        base = "Backoff.fixed(" + Duration.ofNanos(initialNanos) + ")";
        break;
      case LINEAR:
        base =
            "Backoff.linear("
                + Duration.ofNanos(initialNanos)
                + ", "
                + Duration.ofNanos(stepNanos)
                + ", "
                + Duration.ofNanos(maxNanos)
                + ")";
        break;
      default:
        base =
            "Backoff.exponential("
                + Duration.ofNanos(initialNanos)
                + ", "
                + Duration.ofNanos(maxNanos)
                + ", "
                + multiplier
                + ")";
    }
    return jitter.kind() == Jitter.Kind.NONE ? base : base + ".withJitter(" + jitter + ")";
  }
}
