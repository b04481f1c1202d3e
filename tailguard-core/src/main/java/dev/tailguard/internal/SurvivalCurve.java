package dev.tailguard.internal;

import java.util.Arrays;

/**
 * An immutable snapshot of the latency distribution: S(t) = P(latency > t), estimated with
 * Kaplan–Meier from completed and censored (cancelled) attempts, so that cancelling slow losers
 * does not make the tail look shorter than it is. Linear within a bucket.
 *
 * <p>Also holds the budget-optimal randomized hedge (SingleR, Kaler, He and Elnikety, SPAA 2017):
 * hedge after d with probability q, minimising the target percentile of the completion time
 * subject to {@code q·S(d) <= budget}.
 */
public final class SurvivalCurve {
  /** Bucket edges: survival[i] is S at edges[i]; edges[0] = 0 with S = 1. */
  private final long[] edges;
  private final double[] survival;
  private final long samples;

  private SurvivalCurve(long[] edges, double[] survival, long samples) {
    this.edges = edges;
    this.survival = survival;
    this.samples = samples;
  }

  /** Builds the curve from summed bucket counts. */
  static SurvivalCurve from(long[] completed, long[] censored) {
    long atRisk = 0;
    long events = 0;
    int used = 0;
    for (int i = 0; i < completed.length; i++) {
      atRisk += completed[i] + censored[i];
      events += completed[i];
      if (completed[i] + censored[i] > 0) {
        used++;
      }
    }
    long[] edges = new long[used + 1];
    double[] survival = new double[used + 1];
    edges[0] = 0;
    survival[0] = 1.0;
    double s = 1.0;
    int k = 1;
    for (int i = 0; i < completed.length && k <= used; i++) {
      long c = completed[i];
      long z = censored[i];
      if (c + z == 0) {
        continue;
      }
      // Kaplan–Meier: of those still running at this age, the share that completed here.
      if (atRisk > 0) {
        s *= 1.0 - (double) c / atRisk;
      }
      atRisk -= c + z;
      edges[k] = LatencyHistogram.upperBound(i);
      survival[k] = s;
      k++;
    }
    // A curve must start at 1 at the bottom of the first bucket, not at zero latency.
    if (used > 0) {
      int first = firstUsed(completed, censored);
      edges[0] = LatencyHistogram.lowerBound(first);
    }
    return new SurvivalCurve(edges, survival, events);
  }

  /** Builds the curve from raw latencies, all completed (for the lab and tests). */
  public static SurvivalCurve fromSamples(long[] nanos) {
    long[] completed = new long[LatencyHistogram.BUCKETS];
    for (long n : nanos) {
      completed[LatencyHistogram.index(n)]++;
    }
    return from(completed, new long[LatencyHistogram.BUCKETS]);
  }

  private static int firstUsed(long[] completed, long[] censored) {
    for (int i = 0; i < completed.length; i++) {
      if (completed[i] + censored[i] > 0) {
        return i;
      }
    }
    return 0;
  }

  /** The number of completed attempts behind the curve. */
  public long samples() {
    return samples;
  }

  /** S(t): the estimated probability that an attempt takes longer than {@code nanos}. */
  public double survival(long nanos) {
    if (nanos <= edges[0]) {
      return 1.0;
    }
    if (nanos >= edges[edges.length - 1]) {
      return survival[survival.length - 1];
    }
    int i = Arrays.binarySearch(edges, nanos);
    if (i >= 0) {
      return survival[i];
    }
    int hi = -i - 1;
    int lo = hi - 1;
    double f = (double) (nanos - edges[lo]) / (edges[hi] - edges[lo]);
    return survival[lo] + f * (survival[hi] - survival[lo]);
  }

  /** The latency below which a share {@code p} of attempts complete. */
  public long quantile(double p) {
    double target = 1.0 - p;
    for (int i = 1; i < edges.length; i++) {
      if (survival[i] <= target) {
        double drop = survival[i - 1] - survival[i];
        double f = drop <= 0 ? 1.0 : (survival[i - 1] - target) / drop;
        return edges[i - 1] + Math.round(f * (edges[i] - edges[i - 1]));
      }
    }
    return edges[edges.length - 1];
  }

  /** S_T(t) for one hedge after d with probability q, attempts independent (ANCHORS §4.2). */
  public double hedgedSurvival(long t, long d, double q) {
    double s = survival(t);
    return t <= d ? s : s * (1.0 - q + q * survival(t - d));
  }

  /** The p-quantile of the completion time with one hedge after d with probability q. */
  public long hedgedQuantile(double p, long d, double q) {
    double target = 1.0 - p;
    long lo = 0;
    long hi = Math.max(1, edges[edges.length - 1] + d);
    for (int i = 0; i < 64 && hi - lo > 1; i++) {
      long mid = lo + (hi - lo) / 2;
      if (hedgedSurvival(mid, d, q) <= target) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  /**
   * The budget-optimal randomized hedge: returns {d, q·1e6} minimising the {@code percentile} of
   * the completion time subject to {@code q·S(d) <= budget}. Scans d on a fine grid from the
   * median to the (1 − budget/20) quantile.
   *
   * <p>q is set against a one-sigma lower bound of S(d) rather than the estimate itself. The
   * optimum sits next to a cliff: if the unhedged share of the tail, (1 − q)·S, passes {@code 1 −
   * percentile}, the percentile jumps into the slow mode. Over-estimating S by sampling noise
   * would push q over that cliff; the bound trades about one sigma of budget to stay clear.
   */
  public long[] optimalHedge(double budget, double percentile) {
    long from = quantile(0.5);
    long to = Math.max(from + 1, quantile(1.0 - budget / 20));
    long bestD = quantile(1.0 - budget);
    double bestQ = 1.0;
    long bestT = hedgedQuantile(percentile, bestD, bestQ);
    int steps = 400;
    for (int i = 0; i <= steps; i++) {
      long d = from + (to - from) * i / steps;
      double estimate = survival(d);
      double s = Math.max(estimate / 2, estimate - Math.sqrt(estimate * (1 - estimate) / Math.max(1, samples)));
      double q = s <= budget ? 1.0 : budget / s;
      long t = hedgedQuantile(percentile, d, q);
      if (t < bestT) {
        bestT = t;
        bestD = d;
        bestQ = q;
      }
    }
    return new long[] {bestD, Math.round(bestQ * 1e6)};
  }
}
