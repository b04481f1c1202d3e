package dev.tailguard.internal;

/**
 * The Vegas rule: the queue at the backend is estimated as {@code limit * (1 - baseline /
 * recent)}, with the window's lowest latency as recent and, as baseline, the lowest latency the
 * last probe measured at low concurrency (or any lower window minimum since). Below {@code alpha *
 * log10(limit)} the limit grows by {@code log10(limit)}, above {@code beta * log10(limit)} it
 * shrinks by as much, in between it stays ({@code log10} taken as at least 1, so small limits
 * still move).
 */
public final class VegasRule implements LimitRule {
  private final double alpha;
  private final double beta;
  private long baseline = Long.MAX_VALUE;

  public VegasRule(double alpha, double beta) {
    this.alpha = alpha;
    this.beta = beta;
  }

  @Override
  public double next(double limit, long samples, double meanNanos, long minNanos) {
    long recent = Math.max(1, minNanos);
    baseline = Math.min(baseline, recent);
    double queue = limit * (1 - (double) baseline / recent);
    double step = Math.max(1, Math.log10(limit));
    if (queue < alpha * step) {
      return limit + step;
    }
    if (queue > beta * step) {
      return limit - step;
    }
    return limit;
  }

  @Override
  public void baseline(double meanNanos, long minNanos) {
    baseline = Math.max(1, minNanos);
  }

  @Override
  public String describe() {
    return "vegas(alpha=" + alpha + ", beta=" + beta + ")";
  }
}
