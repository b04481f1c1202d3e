package dev.tailguard;

import dev.tailguard.internal.Checks;

/**
 * How a {@link Backoff} randomizes its delays so that clients which failed together do not
 * retry together (the thundering herd).
 *
 * <p>With {@code v} the schedule's delay for an attempt and {@code cap} the backoff's maximum:
 *
 * <ul>
 *   <li>{@link #none()}: {@code v}.
 *   <li>{@link #proportional(double) proportional(f)}: uniform in {@code [v·(1−f), v·(1+f)]},
 *       never above the cap. pester uses ±33%, gRPC ±20%.
 *   <li>{@link #full()}: uniform in {@code [0, v]} (AWS "full jitter").
 *   <li>{@link #equal()}: {@code v/2 + uniform[0, v/2]}.
 *   <li>{@link #decorrelated()}: {@code min(cap, uniform[base, 3·previous])}, where {@code base}
 *       is the backoff's initial delay and {@code previous} the delay used before (AWS
 *       "decorrelated jitter"). It ignores the schedule's shape and grows about 1.5× per step.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Jitter {
  /** The kinds of jitter. */
  public enum Kind {
    /** No randomization. */
    NONE,
    /** Uniform within ± a fraction of the delay. */
    PROPORTIONAL,
    /** Uniform between zero and the delay. */
    FULL,
    /** Half the delay plus uniform up to the other half. */
    EQUAL,
    /** Uniform between the base and three times the previous delay, capped. */
    DECORRELATED
  }

  private static final Jitter NONE = new Jitter(Kind.NONE, 0);
  private static final Jitter FULL = new Jitter(Kind.FULL, 0);
  private static final Jitter EQUAL = new Jitter(Kind.EQUAL, 0);
  private static final Jitter DECORRELATED = new Jitter(Kind.DECORRELATED, 0);

  private final Kind kind;
  private final double factor;

  private Jitter(Kind kind, double factor) {
    this.kind = kind;
    this.factor = factor;
  }

  /** No jitter: the schedule's delay as is. */
  public static Jitter none() {
    return NONE;
  }

  /**
   * Uniform jitter within ± {@code factor} of the delay, never above the backoff's cap.
   *
   * @param factor the fraction, in {@code [0, 1]}; 0 means no jitter
   * @return the jitter
   * @throws IllegalArgumentException if {@code factor} is NaN or outside {@code [0, 1]}
   */
  public static Jitter proportional(double factor) {
    Checks.argument(
        factor >= 0.0 && factor <= 1.0, "jitter factor must be in [0, 1]: %s", factor);
    return factor == 0.0 ? NONE : new Jitter(Kind.PROPORTIONAL, factor);
  }

  /** Full jitter: uniform in {@code [0, v]}. Least work in Brooker's simulation. */
  public static Jitter full() {
    return FULL;
  }

  /** Equal jitter: {@code v/2 + uniform[0, v/2]}; never waits less than half the delay. */
  public static Jitter equal() {
    return EQUAL;
  }

  /** Decorrelated jitter: {@code min(cap, uniform[base, 3·previous])}. */
  public static Jitter decorrelated() {
    return DECORRELATED;
  }

  /** Returns the kind of jitter. */
  public Kind kind() {
    return kind;
  }

  /** Returns the fraction for {@link Kind#PROPORTIONAL}, otherwise 0. */
  public double factor() {
    return factor;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Jitter
        && ((Jitter) other).kind == kind
        && Double.compare(((Jitter) other).factor, factor) == 0;
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Double.hashCode(factor);
  }

  @Override
  public String toString() {
    return kind == Kind.PROPORTIONAL
        ? "Jitter.proportional(" + factor + ")"
        : "Jitter." + kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
  }
}
