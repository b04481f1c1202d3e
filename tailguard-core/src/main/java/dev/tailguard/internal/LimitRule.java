package dev.tailguard.internal;

/**
 * One rule of an adaptive concurrency limit: from the limit and one window's latency aggregate,
 * the limit to move to. Called by one thread at a time (the one that closed the window), so a
 * rule may keep plain fields; {@link AdaptiveLimit} publishes them by its window flag.
 */
public interface LimitRule {
  /**
   * Returns the next limit (unclamped; the caller clamps to its bounds).
   *
   * @param limit the current limit
   * @param samples the window's number of latency samples, at least 1
   * @param meanNanos the window's mean latency
   * @param minNanos the window's lowest latency
   */
  double next(double limit, long samples, double meanNanos, long minNanos);

  /**
   * A probe measured the unloaded latency: attempts that started while fewer than the probe limit
   * were in flight had this mean and this lowest latency. The rule's baseline becomes it.
   */
  void baseline(double meanNanos, long minNanos);

  /** A short description with the parameters, for toString. */
  String describe();
}
