package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairedRoundsTest {
  @Test
  void thePooledQuantileOfChosenRoundsIsTheQuantileOfTheirSamplesConcatenated() {
    SplittableRandom random = new SplittableRandom(7);
    List<double[]> rounds = new ArrayList<>();
    for (int r = 0; r < 5; r++) {
      double[] samples = random.doubles(300 + 37 * r, 0, 100).toArray();
      Arrays.sort(samples);
      rounds.add(samples);
    }
    for (int trial = 0; trial < 200; trial++) {
      int[] picked = random.ints(5, 0, 5).toArray();
      double[] concatenated = Arrays.stream(picked).mapToObj(rounds::get).flatMapToDouble(Arrays::stream).toArray();
      for (double p : new double[] {0.5, 0.9, 0.99, 0.999, 1.0}) {
        assertThat(PairedRounds.pooledQuantile(rounds, picked, p)).as("p %s of %s", p, Arrays.toString(picked))
            .isEqualTo(new Percentiles(concatenated).at(p));
      }
    }
  }

  @Test
  void roundsThatAgreeGiveANarrowIntervalAndRoundsThatDisagreeAWideOne() {
    double[] steady = {0.30, 0.31, 0.29, 0.30, 0.31, 0.30};
    double[] noisy = {0.10, 0.60, 0.20, 0.55, 0.15, 0.50};
    PairedRounds.Estimate narrow = PairedRounds.estimate(6, picked -> mean(steady, picked), 1);
    PairedRounds.Estimate wide = PairedRounds.estimate(6, picked -> mean(noisy, picked), 1);

    assertThat(narrow.value()).isCloseTo(0.3017, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(narrow.low()).isLessThanOrEqualTo(narrow.value()).isGreaterThan(0.29);
    assertThat(narrow.high()).isGreaterThanOrEqualTo(narrow.value()).isLessThan(0.31);
    assertThat(wide.high() - wide.low()).isGreaterThan(0.2);
    assertThat(wide.perRound()).containsExactly(noisy);
    assertThat(PairedRounds.estimate(6, picked -> mean(noisy, picked), 1)).as("deterministic for a seed")
        .usingRecursiveComparison().isEqualTo(wide);
  }

  @Test
  void fewerThanTwoRoundsIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> PairedRounds.estimate(1, picked -> 0, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rounds must be >= 2: 1");
  }

  @Test
  void aPooledShareSumsNumeratorsAndDenominatorsOfTheChosenRounds() {
    assertThat(PairedRounds.pooledShare(new long[] {1, 5}, new long[] {100, 100}, new int[] {0, 1, 1})).isEqualTo(11.0 / 300);
  }

  private static double mean(double[] values, int[] picked) {
    return Arrays.stream(picked).mapToDouble(i -> values[i]).average().orElseThrow();
  }
}
