package dev.tailguard.internal;

/**
 * The Vegas rule: the queue at the backend is estimated as {@code limit * (1 - baseline /
 * recent)}, with the window's lowest latency as recent and the lowest since the last probe as
 * baseline. Below {@code alpha * log10(limit)} the limit grows by {@code log10(limit)}, above
 * {@code beta * log10(limit)} it shrinks by as much, in between it stays ({@code log10} taken as at
 * least 1, so small limits still move). Every {@code probeWindows} windows the baseline restarts
 * from the current window.
 */
public final class VegasRule implements LimitRule {
  private final double alpha;
  private final double beta;
  private final int probeWindows;
  private long baseline = Long.MAX_VALUE;
  private int windowsSinceProbe;

  public VegasRule(double alpha, double beta, int probeWindows) {
    this.alpha = alpha;
    this.beta = beta;
    this.probeWindows = probeWindows;
  }

  @Override
  public double next(double limit, long samples, double meanNanos, long minNanos) {
    long recent = Math.max(1, minNanos);
    // A probe forgets the baseline, so a backend that got slower for good is not read as queueing forever.
    if (++windowsSinceProbe >= probeWindows) {
      windowsSinceProbe = 0;
      baseline = recent;
    }
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
  public String describe() {
    return "vegas(alpha=" + alpha + ", beta=" + beta + ", probeWindows=" + probeWindows + ")";
  }
}
