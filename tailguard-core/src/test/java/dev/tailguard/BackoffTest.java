package dev.tailguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackoffTest {
  private static final int[] EDGE_ATTEMPTS = {Integer.MIN_VALUE, -1, 0, 1, 2, 62, 63, 64, 65, 1_000, Integer.MAX_VALUE};
  private static final Duration MS = Duration.ofMillis(1);

  /** A generator pinned to one draw, to hit the ends of every jitter range. */
  private static RandomGenerator constant(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  private static final RandomGenerator LOWEST = constant(0.0);
  private static final RandomGenerator HIGHEST = constant(Math.nextDown(1.0));

  @Test
  void fixedIsTheSameForEveryAttempt() {
    Backoff backoff = Backoff.fixed(Duration.ofMillis(10));
    for (int n : EDGE_ATTEMPTS) {
      assertThat(backoff.delayNanos(n, 0, LOWEST)).isEqualTo(10_000_000L);
    }
  }

  @Test
  void linearGrowsByItsStepAndStopsAtTheCap() {
    Backoff backoff = Backoff.linear(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1));
    assertThat(backoff.scheduleNanos(1)).isEqualTo(100_000_000L);
    assertThat(backoff.scheduleNanos(2)).isEqualTo(150_000_000L);
    assertThat(backoff.scheduleNanos(19)).isEqualTo(1_000_000_000L);
    assertThat(backoff.scheduleNanos(Integer.MAX_VALUE)).isEqualTo(1_000_000_000L);
  }

  @Test
  void exponentialDoublesFromInitialAndCaps() {
    Backoff backoff = Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2));
    assertThat(backoff.scheduleNanos(1)).isEqualTo(5_000_000L);
    assertThat(backoff.scheduleNanos(2)).isEqualTo(10_000_000L);
    assertThat(backoff.scheduleNanos(9)).isEqualTo(1_280_000_000L);
    assertThat(backoff.scheduleNanos(10)).isEqualTo(2_000_000_000L);
  }

  @Test
  void nonIntegerMultiplierFollowsThePowerLaw() {
    Backoff grpc = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(120), 1.6);
    assertThat(grpc.scheduleNanos(3)).isEqualTo(2_560_000_000L);
    assertThat(grpc.scheduleNanos(12)).isEqualTo(120_000_000_000L);
  }

  @Test
  void attemptsBelowOneAreTreatedAsTheFirst() {
    Backoff backoff = Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2)).withJitter(Jitter.full());
    // pester's jitter panics for attempt 0 (Intn(0)); ours returns the first delay's range.
    assertThat(backoff.delayNanos(0, 0, HIGHEST)).isEqualTo(backoff.delayNanos(1, 0, HIGHEST));
    assertThat(backoff.delayNanos(Integer.MIN_VALUE, 0, HIGHEST)).isBetween(0L, 5_000_000L);
  }

  @Test
  void exponentialNeverOverflowsForHugeAttemptsAndCaps() {
    Backoff huge = Backoff.exponential(Duration.ofNanos(1), Duration.ofSeconds(Long.MAX_VALUE));
    long previous = 0;
    for (int n : new int[] {1, 2, 30, 62, 63, 64, 65, 100, 1_000, Integer.MAX_VALUE}) {
      long v = huge.scheduleNanos(n);
      assertThat(v).as("attempt %s", n).isGreaterThanOrEqualTo(previous).isPositive();
      previous = v;
    }
    // The cap saturates at Long.MAX_VALUE nanoseconds instead of throwing from Duration.toNanos.
    assertThat(huge.scheduleNanos(Integer.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(huge.max()).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
  }

  @Test
  void linearNeverOverflowsWithAHugeStep() {
    Backoff backoff = Backoff.linear(Duration.ZERO, Duration.ofDays(100_000), Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(backoff.scheduleNanos(Integer.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(backoff.scheduleNanos(2)).isEqualTo(Duration.ofDays(100_000).toNanos());
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "proportional", "full", "equal", "decorrelated"})
  void everyJitterStaysWithinZeroAndTheCapForEveryAttempt(String kind) {
    Jitter jitter = jitter(kind);
    Backoff[] backoffs = {
      Backoff.fixed(Duration.ofNanos(1)).withJitter(jitter),
      Backoff.exponential(Duration.ofNanos(1), Duration.ofNanos(1)).withJitter(jitter),
      Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2)).withJitter(jitter),
      Backoff.exponential(Duration.ofMillis(1), Duration.ofSeconds(Long.MAX_VALUE), 3.0).withJitter(jitter),
      Backoff.linear(Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(10)).withJitter(jitter),
    };
    SplittableRandom random = new SplittableRandom(42);
    for (Backoff backoff : backoffs) {
      long cap = backoff.max().toNanos();
      long previous = 0;
      for (int n : EDGE_ATTEMPTS) {
        for (RandomGenerator r : new RandomGenerator[] {LOWEST, HIGHEST, random}) {
          long d = backoff.delayNanos(n, previous, r);
          assertThat(d).as("%s attempt %s", backoff, n).isBetween(0L, cap);
          previous = d;
        }
      }
    }
  }

  @Test
  void fullJitterSpansZeroToTheScheduleValue() {
    Backoff backoff = Backoff.exponential(Duration.ofMillis(8), Duration.ofSeconds(1)).withJitter(Jitter.full());
    assertThat(backoff.delayNanos(2, 0, LOWEST)).isZero();
    assertThat(backoff.delayNanos(2, 0, HIGHEST)).isBetween(15_999_999L, 16_000_000L);
  }

  @Test
  void equalJitterNeverWaitsLessThanHalf() {
    Backoff backoff = Backoff.exponential(Duration.ofMillis(8), Duration.ofSeconds(1)).withJitter(Jitter.equal());
    assertThat(backoff.delayNanos(2, 0, LOWEST)).isEqualTo(8_000_000L);
    assertThat(backoff.delayNanos(2, 0, HIGHEST)).isBetween(15_999_999L, 16_000_000L);
  }

  @Test
  void proportionalJitterSpansPlusMinusTheFactorButNeverExceedsTheCap() {
    Backoff backoff = Backoff.fixed(Duration.ofMillis(100)).withJitter(Jitter.proportional(0.2));
    // A fixed backoff's cap is its delay, so only the lower half of the spread remains.
    assertThat(backoff.delayNanos(1, 0, LOWEST)).isEqualTo(80_000_000L);
    assertThat(backoff.delayNanos(1, 0, HIGHEST)).isEqualTo(100_000_000L);
    Backoff roomy = Backoff.linear(Duration.ofMillis(100), Duration.ZERO, Duration.ofSeconds(1))
        .withJitter(Jitter.proportional(0.33));
    assertThat(roomy.delayNanos(1, 0, LOWEST)).isEqualTo(67_000_000L);
    assertThat(roomy.delayNanos(1, 0, HIGHEST)).isBetween(132_999_999L, 133_000_000L);
  }

  @Test
  void decorrelatedJitterGrowsFromThePreviousDelayAndIsCapped() {
    Backoff backoff = Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2)).withJitter(Jitter.decorrelated());
    assertThat(backoff.delayNanos(1, 0, LOWEST)).isEqualTo(5_000_000L);
    assertThat(backoff.delayNanos(1, 0, HIGHEST)).isBetween(14_999_999L, 15_000_000L);
    assertThat(backoff.delayNanos(7, 100_000_000L, HIGHEST)).isBetween(299_999_999L, 300_000_000L);
    assertThat(backoff.delayNanos(7, 1_000_000_000L, HIGHEST)).isEqualTo(2_000_000_000L);
    // A previous delay near Long.MAX_VALUE cannot overflow the 3x growth.
    assertThat(backoff.delayNanos(7, Long.MAX_VALUE, HIGHEST)).isEqualTo(2_000_000_000L);
  }

  @Test
  void sameSeedGivesTheSameDelays() {
    Backoff backoff = Backoff.binaryExponentialWithJitter(Duration.ofMillis(5), Duration.ofSeconds(2));
    SplittableRandom a = new SplittableRandom(7);
    SplittableRandom b = new SplittableRandom(7);
    for (int n = 1; n < 20; n++) {
      assertThat(backoff.delayNanos(n, 0, a)).isEqualTo(backoff.delayNanos(n, 0, b));
    }
  }

  @Test
  void binaryExponentialWithJitterIsExponentialTimesTwoWithFullJitter() {
    assertThat(Backoff.binaryExponentialWithJitter(MS, Duration.ofSeconds(1)))
        .isEqualTo(Backoff.exponential(MS, Duration.ofSeconds(1), 2.0).withJitter(Jitter.full()));
  }

  @Test
  void rejectsInvalidParametersNamingThemAndTheirValues() {
    assertThatThrownBy(() -> Backoff.fixed(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be >= 0: PT-0.001S");
    assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessage("initial must be > 0: PT0S");
    assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("max (PT1S) must be >= initial (PT2S)");
    assertThatThrownBy(() -> Backoff.exponential(MS, Duration.ofSeconds(1), 0.5))
        .hasMessage("multiplier must be finite and >= 1: 0.5");
    assertThatThrownBy(() -> Backoff.exponential(MS, Duration.ofSeconds(1), Double.NaN))
        .hasMessage("multiplier must be finite and >= 1: NaN");
    assertThatThrownBy(() -> Backoff.exponential(MS, Duration.ofSeconds(1), Double.POSITIVE_INFINITY))
        .hasMessage("multiplier must be finite and >= 1: Infinity");
    assertThatThrownBy(() -> Backoff.exponential(MS, Duration.ofSeconds(1), -1))
        .hasMessage("multiplier must be finite and >= 1: -1.0");
    assertThatThrownBy(() -> Backoff.linear(MS, Duration.ofMillis(-5), Duration.ofSeconds(1)))
        .hasMessage("step must be >= 0: PT-0.005S");
    assertThatThrownBy(() -> Backoff.linear(Duration.ofSeconds(3), MS, Duration.ofSeconds(1)))
        .hasMessage("max (PT1S) must be >= initial (PT3S)");
    assertThatThrownBy(() -> Jitter.proportional(1.5)).hasMessage("jitter factor must be in [0, 1]: 1.5");
    assertThatThrownBy(() -> Jitter.proportional(-0.1)).hasMessage("jitter factor must be in [0, 1]: -0.1");
    assertThatThrownBy(() -> Jitter.proportional(Double.NaN)).hasMessage("jitter factor must be in [0, 1]: NaN");
    assertThatThrownBy(() -> Backoff.fixed(null)).isInstanceOf(NullPointerException.class).hasMessage("delay must not be null");
  }

  @Test
  void zeroJitterFactorMeansNoJitter() {
    assertThat(Jitter.proportional(0)).isEqualTo(Jitter.none());
  }

  @Test
  void isAValueWithEqualityAndReadableToString() {
    Backoff a = Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2)).withJitter(Jitter.proportional(0.2));
    Backoff b = Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2)).withJitter(Jitter.proportional(0.2));
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(b.withJitter(Jitter.full()));
    assertThat(a.toString()).isEqualTo("Backoff.exponential(PT0.005S, PT2S, 2.0).withJitter(Jitter.proportional(0.2))");
  }

  private static Jitter jitter(String kind) {
    switch (kind) {
      case "none":
        return Jitter.none();
      case "proportional":
        return Jitter.proportional(0.33);
      case "full":
        return Jitter.full();
      case "equal":
        return Jitter.equal();
      default:
        return Jitter.decorrelated();
    }
  }
}
