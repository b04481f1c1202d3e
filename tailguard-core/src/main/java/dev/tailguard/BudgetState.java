package dev.tailguard;

/**
 * A snapshot of a budget's state: what kind it is, its current level and its capacity, and how
 * many attempts it has denied.
 *
 * <ul>
 *   <li>token bucket: {@code level} is the tokens left, {@code capacity} is {@code maxTokens};
 *       retries stop at or below half.
 *   <li>ratio budget: {@code level} is the retries it would allow now, {@code capacity} NaN.
 *   <li>adaptive throttle: {@code level} is the current rejection probability, {@code capacity} 1.
 * </ul>
 *
 * <p>Instances are immutable.
 *
 * @since 0.1
 */
public final class BudgetState {
  private final String kind;
  private final double level;
  private final double capacity;
  private final long denials;

  private BudgetState(String kind, double level, double capacity, long denials) {
    this.kind = kind;
    this.level = level;
    this.capacity = capacity;
    this.denials = denials;
  }

  /**
   * Creates a snapshot.
   *
   * @param kind a short description of the budget
   * @param level its current level
   * @param capacity its capacity, or NaN when it has none
   * @param denials how many attempts it has denied so far
   * @return the snapshot
   */
  public static BudgetState of(String kind, double level, double capacity, long denials) {
    return new BudgetState(kind, level, capacity, denials);
  }

  /** Returns a short description of the budget, with its settings. */
  public String kind() {
    return kind;
  }

  /** Returns the budget's current level (see the class documentation). */
  public double level() {
    return level;
  }

  /** Returns the budget's capacity, or NaN. */
  public double capacity() {
    return capacity;
  }

  /** Returns how many attempts the budget has denied since it was created. */
  public long denials() {
    return denials;
  }

  @Override
  public String toString() {
    return kind + "{level=" + level + (Double.isNaN(capacity) ? "" : ", capacity=" + capacity) + ", denials=" + denials + "}";
  }
}
