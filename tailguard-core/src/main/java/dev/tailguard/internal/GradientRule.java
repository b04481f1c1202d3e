package dev.tailguard.internal;

/**
 * The Gradient rule: the limit follows {@code tolerance * baseline / recent}, clamped to [0.5, 1],
 * plus a constant headroom, smoothed. The recent latency is the window's mean. The baseline is the
 * mean latency a probe measured at low concurrency (as Envoy's adaptive concurrency filter
 * measures its minRTT at {@code min_concurrency}); between probes it follows a lower window mean a
 * tenth of the way per window and never rises, so queueing does not become the new normal.
 */
public final class GradientRule implements LimitRule {
  private final double tolerance;
  private final double smoothing;
  private final int queueSize;
  private double baseline; // 0 until the first probe; then the baseline latency in nanos

  public GradientRule(double tolerance, double smoothing, int queueSize) {
    this.tolerance = tolerance;
    this.smoothing = smoothing;
    this.queueSize = queueSize;
  }

  @Override
  public double next(double limit, long samples, double meanNanos, long minNanos) {
    if (baseline == 0) {
      baseline = meanNanos;
    } else if (meanNanos < baseline) {
      baseline += (meanNanos - baseline) * 0.1;
    }
    double gradient = Math.max(0.5, Math.min(1.0, tolerance * baseline / Math.max(1, meanNanos)));
    double target = limit * gradient + queueSize;
    return limit + smoothing * (target - limit);
  }

  @Override
  public void baseline(double meanNanos, long minNanos) {
    baseline = Math.max(1, meanNanos);
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
