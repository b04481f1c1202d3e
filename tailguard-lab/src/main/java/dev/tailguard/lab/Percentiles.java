package dev.tailguard.lab;

import java.util.Arrays;

/** Exact percentiles of a finished run's latencies (nearest rank on the sorted samples). */
public final class Percentiles {
  private final double[] sorted;

  public Percentiles(double[] samples) {
    this.sorted = samples.clone();
    Arrays.sort(sorted);
  }

  public double at(double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }

  public double max() {
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
  }

  /** Rounds to two decimals, so millisecond tails stay readable. */
  public static double round2(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}
