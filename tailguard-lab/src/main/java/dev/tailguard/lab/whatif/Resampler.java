package dev.tailguard.lab.whatif;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Draws latencies from an observed distribution: the inverse of its CDF, linear inside each of the
 * histogram's equivalence ranges, so draws are continuous rather than stuck on recorded values.
 * Immutable and thread-safe (the randomness is the caller's).
 */
final class Resampler {
  /** Cumulative counts up to and including range i. */
  private final long[] cumulative;
  private final double[] lowMs;
  private final double[] highMs;
  private final long total;

  Resampler(Histogram micros) {
    int ranges = 0;
    for (HistogramIterationValue ignored : micros.recordedValues()) {
      ranges++;
    }
    cumulative = new long[ranges];
    lowMs = new double[ranges];
    highMs = new double[ranges];
    long seen = 0;
    int i = 0;
    for (HistogramIterationValue value : micros.recordedValues()) {
      seen += value.getCountAtValueIteratedTo();
      cumulative[i] = seen;
      long v = value.getValueIteratedTo();
      lowMs[i] = micros.lowestEquivalentValue(v) / 1000.0;
      highMs[i] = (micros.highestEquivalentValue(v) + 1) / 1000.0;
      i++;
    }
    total = seen;
    if (total == 0) {
      throw new IllegalArgumentException("no latencies to resample");
    }
  }

  /** One latency in milliseconds. */
  double sample(RandomGenerator random) {
    return at(random.nextDouble() * total);
  }

  /** The p-quantile in milliseconds, on the same interpolated CDF the draws come from. */
  double quantile(double p) {
    return at(Math.min(1, Math.max(0, p)) * total);
  }

  /** The value whose interpolated cumulative count is {@code rank}, in [0, total]. */
  private double at(double rank) {
    int index = Arrays.binarySearch(cumulative, (long) Math.floor(rank) + 1);
    int range = index >= 0 ? index : Math.min(cumulative.length - 1, -index - 1);
    long before = range == 0 ? 0 : cumulative[range - 1];
    long count = cumulative[range] - before;
    double fraction = Math.max(0, Math.min(1, (rank - before) / count));
    return lowMs[range] + (highMs[range] - lowMs[range]) * fraction;
  }
}
