package dev.tailguard.lab;

import java.util.Arrays;

/**
 * A latency distribution reduced to the points a plot needs: the quantiles on a grid that is
 * linear up to p90 and then logarithmic in (1 − p) down to 1e-5, so the tail stays readable.
 */
public final class LatencyCurve {
  private final double[] probabilities;
  private final double[] millis;

  private LatencyCurve(double[] probabilities, double[] millis) {
    this.probabilities = probabilities;
    this.millis = millis;
  }

  public static LatencyCurve of(double[] samplesMs) {
    double[] sorted = samplesMs.clone();
    Arrays.sort(sorted);
    int linear = 90;
    int logarithmic = 80;
    double[] p = new double[linear + logarithmic + 1];
    for (int i = 0; i < linear; i++) {
      p[i] = 0.9 * i / linear;
    }
    for (int i = 0; i <= logarithmic; i++) {
      // From 1 - 0.1 to 1 - 1e-5.
      p[linear + i] = 1 - Math.pow(10, -1 - 4.0 * i / logarithmic);
    }
    double[] ms = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      int rank = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p[i] * sorted.length) - 1));
      ms[i] = sorted.length == 0 ? 0 : sorted[rank];
    }
    return new LatencyCurve(p, ms);
  }

  /** The cumulative probabilities of the points, ascending. */
  public double[] probabilities() {
    return probabilities.clone();
  }

  /** The latency at each probability, in milliseconds. */
  public double[] millis() {
    return millis.clone();
  }
}
