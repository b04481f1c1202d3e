package dev.tailguard.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The noise of a wall-clock comparison measured in interleaved rounds: a strategy and its baseline
 * alternate within every round, so a machine that gets busier or quieter during the run moves
 * both. The estimate is a statistic of all rounds pooled (a ratio of tail quantiles, a load
 * share); its 95% confidence interval comes from a paired bootstrap that resamples whole rounds
 * with replacement, keeping each round's strategy and baseline together. Stateless and
 * thread-safe; deterministic for a given seed.
 */
public final class PairedRounds {
  /** Bootstrap resamples per estimate. */
  public static final int RESAMPLES = 2_000;

  private PairedRounds() {}

  /** A statistic of a multiset of rounds: each index may appear several times. */
  @FunctionalInterface
  public interface Statistic {
    double of(int[] rounds);
  }

  /** The pooled estimate, its 95% bootstrap interval, and each round's own value. */
  public record Estimate(double value, double low, double high, double[] perRound, int resamples) {
    public int rounds() {
      return perRound.length;
    }

    /** The noise as JSON: method, rounds, resamples, estimate, ci95, per-round values and their range. */
    public Map<String, Object> toJson(double bar) {
      Map<String, Object> noise = new LinkedHashMap<>();
      noise.put("method", "paired bootstrap over interleaved rounds (strategy and baseline alternate in every round)");
      noise.put("rounds", rounds());
      noise.put("resamples", resamples);
      noise.put("estimate", round4(value));
      noise.put("ci95", List.of(round4(low), round4(high)));
      noise.put("bar", bar);
      List<Double> rounds = new ArrayList<>();
      for (double v : perRound) {
        rounds.add(round4(v));
      }
      noise.put("perRound", rounds);
      noise.put("perRoundMin", round4(Arrays.stream(perRound).min().orElse(Double.NaN)));
      noise.put("perRoundMax", round4(Arrays.stream(perRound).max().orElse(Double.NaN)));
      return noise;
    }

    /** "0.27 (95% CI 0.24-0.31, 6 rounds 0.22-0.33)". */
    public String summary() {
      return String.format("%.3f (95%% CI %.3f-%.3f; %d rounds, each %.3f-%.3f)", value, low, high, rounds(),
          Arrays.stream(perRound).min().orElse(Double.NaN), Arrays.stream(perRound).max().orElse(Double.NaN));
    }
  }

  /**
   * Estimates {@code statistic} over {@code rounds} rounds.
   *
   * @throws IllegalArgumentException if {@code rounds < 2}
   */
  public static Estimate estimate(int rounds, Statistic statistic, long seed) {
    if (rounds < 2) {
      throw new IllegalArgumentException("rounds must be >= 2: " + rounds);
    }
    int[] all = new int[rounds];
    double[] perRound = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      all[r] = r;
      perRound[r] = statistic.of(new int[] {r});
    }
    double value = statistic.of(all);
    SplittableRandom random = new SplittableRandom(seed);
    double[] resampled = new double[RESAMPLES];
    int[] pick = new int[rounds];
    for (int b = 0; b < RESAMPLES; b++) {
      for (int i = 0; i < rounds; i++) {
        pick[i] = random.nextInt(rounds);
      }
      resampled[b] = statistic.of(pick);
    }
    Arrays.sort(resampled);
    double low = resampled[(int) Math.floor(0.025 * (RESAMPLES - 1))];
    double high = resampled[(int) Math.ceil(0.975 * (RESAMPLES - 1))];
    return new Estimate(value, low, high, perRound, RESAMPLES);
  }

  /**
   * The nearest-rank {@code p} quantile of the chosen rounds' samples pooled (a round chosen twice
   * counts twice). Each round's samples must be sorted ascending. Only the top of each round is
   * read, so a tail quantile of many rounds stays cheap.
   */
  public static double pooledQuantile(List<double[]> sortedRounds, int[] rounds, double p) {
    long total = 0;
    for (int r : rounds) {
      total += sortedRounds.get(r).length;
    }
    if (total == 0) {
      return Double.NaN;
    }
    long rank = Math.max(0, Math.min(total - 1, (long) Math.ceil(p * total) - 1));
    int fromTop = (int) (total - 1 - rank);
    double[] tops = new double[rounds.length * (fromTop + 1)];
    int n = 0;
    for (int r : rounds) {
      double[] sorted = sortedRounds.get(r);
      int take = Math.min(sorted.length, fromTop + 1);
      System.arraycopy(sorted, sorted.length - take, tops, n, take);
      n += take;
    }
    Arrays.sort(tops, 0, n);
    return tops[n - 1 - fromTop];
  }

  /** Σ numerators ÷ Σ denominators over the chosen rounds. */
  public static double pooledShare(long[] numerators, long[] denominators, int[] rounds) {
    double num = 0;
    double den = 0;
    for (int r : rounds) {
      num += numerators[r];
      den += denominators[r];
    }
    return num / den;
  }

  private static double round4(double value) {
    return Math.round(value * 10_000.0) / 10_000.0;
  }
}
