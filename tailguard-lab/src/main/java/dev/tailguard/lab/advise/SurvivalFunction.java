package dev.tailguard.lab.advise;

import java.util.Arrays;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The empirical survival function S(t) = P(X > t) of a histogram, and what hedging does to it
 * under the independence assumption: hedging after d with probability q gives
 * P(T > t) = S(t) for t < d and S(t) · (1 − q + q · S(t − d)) for t ≥ d.
 */
final class SurvivalFunction {
  /** Distinct recorded values in milliseconds, ascending. */
  final double[] values;
  /** survival[i] = P(X > values[i]). */
  final double[] survival;

  SurvivalFunction(Histogram micros) {
    int distinct = 0;
    for (HistogramIterationValue ignored : micros.recordedValues()) {
      distinct++;
    }
    values = new double[distinct];
    survival = new double[distinct];
    double total = micros.getTotalCount();
    long seen = 0;
    int i = 0;
    for (HistogramIterationValue value : micros.recordedValues()) {
      seen += value.getCountAtValueIteratedTo();
      values[i] = micros.highestEquivalentValue(value.getValueIteratedTo()) / 1000.0;
      survival[i] = (total - seen) / total;
      i++;
    }
  }

  /** P(X > t). */
  double at(double t) {
    int index = Arrays.binarySearch(values, t);
    if (index >= 0) {
      return survival[index];
    }
    int below = -index - 2;
    return below < 0 ? 1.0 : survival[below];
  }

  /** The p-quantile without hedging. */
  double quantile(double p) {
    for (int i = 0; i < values.length; i++) {
      if (survival[i] <= 1 - p) {
        return values[i];
      }
    }
    return values[values.length - 1];
  }

  /** P(T > t) when hedging after d with probability q. */
  double hedged(double t, double d, double q) {
    double s = at(t);
    return t < d ? s : s * (1 - q + q * at(t - d));
  }

  /**
   * The p-quantile when hedging after d with probability q: the smallest t with P(T > t) ≤ 1 − p.
   * The hedged survival only steps at recorded values and at recorded values shifted by d, and it
   * never increases, so a binary search over each set of candidates finds it.
   */
  double hedgedQuantile(double p, double d, double q) {
    double target = 1 - p;
    return Math.min(firstAtOrBelow(target, 0, d, q), firstAtOrBelow(target, d, d, q));
  }

  /** The smallest {@code values[i] + shift} whose hedged survival is ≤ target, or +∞. */
  private double firstAtOrBelow(double target, double shift, double d, double q) {
    int low = 0;
    int high = values.length - 1;
    double found = Double.POSITIVE_INFINITY;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      double t = values[mid] + shift;
      if (hedged(t, d, q) <= target) {
        found = t;
        high = mid - 1;
      } else {
        low = mid + 1;
      }
    }
    return found;
  }
}
