package dev.tailguard.internal;

/**
 * The Gradient rule: the limit follows {@code tolerance * baseline / recent}, clamped to [0.5, 1],
 * plus a constant headroom, smoothed. The recent latency is the window's mean. The baseline
 * follows a lower latency quickly (a tenth of the way per window) and a higher one slowly (one
 * {@code baselineWindows}-th per window), so queueing that lasts a spike does not become the
 * new normal, while a backend that became slower for good is learnt in time.
 */
public final class GradientRule implements LimitRule {
  private final double tolerance;
  private final double smoothing;
  private final int queueSize;
  private final double upWeight;
  private double baseline; // 0 until the first window; then the baseline latency in nanos

  public GradientRule(double tolerance, double smoothing, int queueSize, int baselineWindows) {
    this.tolerance = tolerance;
    this.smoothing = smoothing;
    this.queueSize = queueSize;
    this.upWeight = 1.0 / baselineWindows;
  }

  @Override
  public double next(double limit, long samples, double meanNanos, long minNanos) {
    if (baseline == 0) {
      baseline = meanNanos;
    } else {
      baseline += (meanNanos - baseline) * (meanNanos < baseline ? 0.1 : upWeight);
    }
    double gradient = Math.max(0.5, Math.min(1.0, tolerance * baseline / Math.max(1, meanNanos)));
    double target = limit * gradient + queueSize;
    return limit + smoothing * (target - limit);
  }

  /** The baseline latency in nanoseconds, 0 before the first window. */
  public double baselineNanos() {
    return baseline;
  }

  @Override
  public String describe() {
    return "gradient(tolerance=" + tolerance + ", smoothing=" + smoothing + ", queueSize=" + queueSize + ")";
  }
}
