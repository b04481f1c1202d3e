package dev.tailguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * A {@link Backoff} is a value: it reports what it was built with, equals only a backoff built the
 * same way (every field counts), and prints as the call that builds it.
 */
class BackoffValueTest {
  private static final Duration MS = Duration.ofMillis(1);

  private static final RandomGenerator HALF = new RandomGenerator() {
    @Override public long nextLong() {
      return 0;
    }
    @Override public double nextDouble() {
      return 0.5;
    }
  };

  @Test
  void reportsWhatItWasBuiltWith() {
    Backoff linear = Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(1));
    assertThat(linear.schedule()).isEqualTo(Backoff.Schedule.LINEAR);
    assertThat(linear.initial()).isEqualTo(Duration.ofMillis(10));
    assertThat(linear.step()).isEqualTo(Duration.ofMillis(5));
    assertThat(linear.max()).isEqualTo(Duration.ofSeconds(1));
    assertThat(linear.multiplier()).isEqualTo(1.0);
    assertThat(linear.jitter()).isEqualTo(Jitter.none());

    Backoff exponential = Backoff.exponential(MS, Duration.ofSeconds(2), 1.5).withJitter(Jitter.equal());
    assertThat(exponential.schedule()).isEqualTo(Backoff.Schedule.EXPONENTIAL);
    assertThat(exponential.multiplier()).isEqualTo(1.5);
    assertThat(exponential.step()).isEqualTo(Duration.ZERO);
    assertThat(exponential.jitter()).isEqualTo(Jitter.equal());

    assertThat(Backoff.none().schedule()).isEqualTo(Backoff.Schedule.FIXED);
    assertThat(Backoff.none().max()).isEqualTo(Duration.ZERO);
    assertThat(Backoff.fixed(Duration.ofMillis(7)).max()).isEqualTo(Duration.ofMillis(7));
  }

  @Test
  void delayIsTheNanosecondDelayAsADuration() {
    Backoff equal = Backoff.fixed(Duration.ofMillis(100)).withJitter(Jitter.equal());

    assertThat(equal.delay(3, HALF)).isEqualTo(Duration.ofMillis(75));
    assertThat(Backoff.none().delay(1, HALF)).isEqualTo(Duration.ZERO);
  }

  @Test
  void everyFieldTakesPartInEquality() {
    Backoff base = Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(1));
    assertThat(base).isEqualTo(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(1)))
        .hasSameHashCodeAs(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(1)));
    assertThat(base).isEqualTo(base);
    assertThat(base).isNotEqualTo(Backoff.linear(Duration.ofMillis(11), Duration.ofMillis(5), Duration.ofSeconds(1)));
    assertThat(base).isNotEqualTo(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(6), Duration.ofSeconds(1)));
    assertThat(base).isNotEqualTo(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(2)));
    assertThat(base).isNotEqualTo(base.withJitter(Jitter.full()));
    assertThat(base).isNotEqualTo("Backoff.linear").isNotEqualTo(null);
    // Same initial and max, different schedule or multiplier.
    assertThat(Backoff.fixed(Duration.ofMillis(10))).isNotEqualTo(Backoff.linear(Duration.ofMillis(10), Duration.ZERO, Duration.ofMillis(10)));
    assertThat(Backoff.exponential(MS, Duration.ofSeconds(1), 2.0)).isNotEqualTo(Backoff.exponential(MS, Duration.ofSeconds(1), 3.0));
    assertThat(Backoff.exponential(MS, Duration.ofSeconds(1), 2.0).hashCode())
        .isNotEqualTo(Backoff.exponential(MS, Duration.ofSeconds(1), 3.0).hashCode())
        .isNotEqualTo(Backoff.exponential(MS, Duration.ofSeconds(2), 2.0).hashCode())
        .isNotEqualTo(Backoff.exponential(Duration.ofMillis(2), Duration.ofSeconds(1), 2.0).hashCode())
        .isNotEqualTo(Backoff.exponential(MS, Duration.ofSeconds(1), 2.0).withJitter(Jitter.full()).hashCode());
    assertThat(base.hashCode()).isNotEqualTo(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(6), Duration.ofSeconds(1)).hashCode());
  }

  @Test
  void printsAsTheCallThatBuildsIt() {
    assertThat(Backoff.fixed(Duration.ofMillis(250))).hasToString("Backoff.fixed(PT0.25S)");
    assertThat(Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofSeconds(1)))
        .hasToString("Backoff.linear(PT0.01S, PT0.005S, PT1S)");
    assertThat(Backoff.exponential(MS, Duration.ofSeconds(2), 1.5))
        .hasToString("Backoff.exponential(PT0.001S, PT2S, 1.5)");
    assertThat(Backoff.fixed(MS).withJitter(Jitter.full())).hasToString("Backoff.fixed(PT0.001S).withJitter(" + Jitter.full() + ")");
  }

  @Test
  void aMultiplierOfOneKeepsTheInitialDelayForEveryAttempt() {
    Backoff flat = Backoff.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 1.0);

    assertThat(flat.scheduleNanos(1)).isEqualTo(20_000_000L);
    assertThat(flat.scheduleNanos(1_000)).isEqualTo(20_000_000L);
    assertThat(flat.scheduleNanos(Integer.MAX_VALUE)).isEqualTo(20_000_000L);
  }

  @Test
  void exponentialReachesTheCapAtTheFirstAttemptThatWouldPassIt() {
    // 10, 20, 40, 80 ms, then 100 (the cap) from the fifth on.
    Backoff doubling = Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(100));

    assertThat(doubling.scheduleNanos(4)).isEqualTo(80_000_000L);
    assertThat(doubling.scheduleNanos(5)).isEqualTo(100_000_000L);
    // initial == max: the cap from the first attempt.
    assertThat(Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(10)).scheduleNanos(1)).isEqualTo(10_000_000L);
    assertThat(Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(10)).scheduleNanos(2)).isEqualTo(10_000_000L);
  }

  @Test
  void linearStopsExactlyAtTheCap() {
    // 10, 15, ..., 100 ms at the 19th attempt, and 100 after.
    Backoff linear = Backoff.linear(Duration.ofMillis(10), Duration.ofMillis(5), Duration.ofMillis(100));

    assertThat(linear.scheduleNanos(18)).isEqualTo(95_000_000L);
    assertThat(linear.scheduleNanos(19)).isEqualTo(100_000_000L);
    assertThat(linear.scheduleNanos(20)).isEqualTo(100_000_000L);
    assertThat(Backoff.linear(Duration.ofMillis(10), Duration.ZERO, Duration.ofMillis(100)).scheduleNanos(50)).isEqualTo(10_000_000L);
  }
}
