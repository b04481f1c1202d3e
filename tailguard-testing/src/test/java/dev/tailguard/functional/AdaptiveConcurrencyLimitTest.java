package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 20: the Gradient and Vegas limits find a backend's knee from latency alone, on FakeClock.
 * The model backend has 10 workers: up to 10 calls take 10 ms, more queue, so n calls take
 * {@code 10 ms * n / 10} (Little's law's limit is 10).
 */
class AdaptiveConcurrencyLimitTest {
  private final FakeClock clock = new FakeClock();

  private static final IntToLongFunction QUEUEING_BACKEND = n -> Duration.ofMillis(10).toNanos() * Math.max(10, n) / 10;
  private static final IntToLongFunction NEVER_QUEUES = n -> Duration.ofMillis(10).toNanos();

  /** Rounds of a closed loop: take every permit the limit gives, wait the backend's latency for that many, end them all. */
  private ConcurrencyLimit drive(ConcurrencyLimit limit, IntToLongFunction latency, int rounds, int maxConcurrency) {
    long[] tickets = new long[2000];
    for (int round = 0; round < rounds; round++) {
      int n = 0;
      while (n < maxConcurrency) {
        long ticket = limit.tryAcquire();
        if (ticket == ConcurrencyLimit.REFUSED) {
          break;
        }
        tickets[n++] = ticket;
      }
      clock.advance(Duration.ofNanos(latency.applyAsLong(n)));
      for (int i = 0; i < n; i++) {
        limit.onSuccess(tickets[i]);
      }
      assertThat(limit.inFlight()).isZero();
    }
    return limit;
  }

  private ConcurrencyLimit gradient(int initial) {
    return ConcurrencyLimit.gradient().initialLimit(initial).clock(clock).scheduler(clock).build();
  }

  private ConcurrencyLimit vegas(int initial) {
    return ConcurrencyLimit.vegas().initialLimit(initial).clock(clock).scheduler(clock).build();
  }

  @Test
  void gradientComesDownFromATooHighLimitToNearTheKnee() {
    assertThat(drive(gradient(200), QUEUEING_BACKEND, 3000, 2000).limit()).isBetween(10, 25);
  }

  @Test
  void vegasComesDownFromATooHighLimitToNearTheKnee() {
    assertThat(drive(vegas(200), QUEUEING_BACKEND, 3000, 2000).limit()).isBetween(10, 25);
  }

  @Test
  void bothGrowFromATooLowLimitToNearTheKnee() {
    assertThat(drive(gradient(2), QUEUEING_BACKEND, 3000, 2000).limit()).isBetween(10, 25);
    assertThat(drive(vegas(2), QUEUEING_BACKEND, 3000, 2000).limit()).isBetween(10, 25);
  }

  @Test
  void withoutQueueingTheyGrowToTheirMaximum() {
    Supplier<ConcurrencyLimit.GradientBuilder> g = () -> ConcurrencyLimit.gradient().maxLimit(50).clock(clock).scheduler(clock);
    assertThat(drive(g.get().build(), NEVER_QUEUES, 3000, 2000).limit()).isEqualTo(50);
    assertThat(drive(ConcurrencyLimit.vegas().maxLimit(50).clock(clock).scheduler(clock).build(), NEVER_QUEUES, 3000, 2000).limit())
        .isEqualTo(50);
  }

  @Test
  void aClientUsingLessThanHalfTheLimitDoesNotRaiseIt() {
    // Latency measured at 3 in flight says nothing about 20: the limit stays where it is.
    assertThat(drive(gradient(20), NEVER_QUEUES, 3000, 3).limit()).isEqualTo(20);
    assertThat(drive(vegas(20), NEVER_QUEUES, 3000, 3).limit()).isEqualTo(20);
  }

  @Test
  void dropsShrinkTheLimitByTheBackoffRatioDownToMinLimit() {
    ConcurrencyLimit limit = ConcurrencyLimit.gradient().initialLimit(100).minLimit(5).window(Duration.ofMillis(10), 1)
        .backoffRatio(0.5).clock(clock).scheduler(clock).build();
    for (int i = 0; i < 20; i++) {
      long ticket = limit.tryAcquire();
      clock.advance(Duration.ofMillis(10));
      limit.onDropped(ticket);
    }
    assertThat(limit.limit()).isEqualTo(5);
  }

  @Test
  void ignoredAttemptsAreNoSamples() {
    ConcurrencyLimit limit = ConcurrencyLimit.vegas().initialLimit(10).window(Duration.ofMillis(1), 1).clock(clock).scheduler(clock).build();
    for (int i = 0; i < 100; i++) {
      long ticket = limit.tryAcquire();
      clock.advance(Duration.ofSeconds(1));
      limit.onIgnored(ticket);
    }
    assertThat(limit.limit()).isEqualTo(10);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void aLowerLimitGivesNoNewPermitUntilInFlightIsBelowIt() {
    ConcurrencyLimit limit = ConcurrencyLimit.gradient().initialLimit(4).window(Duration.ofMillis(1), 1).backoffRatio(0.5)
        .clock(clock).scheduler(clock).build();
    long[] held = {limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire()};
    clock.advance(Duration.ofMillis(2));
    limit.onDropped(held[0]);   // opens the window
    clock.advance(Duration.ofMillis(2));
    limit.onDropped(held[1]);   // closes it: 4 * 0.5 = 2
    assertThat(limit.limit()).isEqualTo(2);
    assertThat(limit.inFlight()).isEqualTo(2);
    assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.REFUSED);
    limit.onIgnored(held[2]);
    assertThat(limit.tryAcquire()).isNotEqualTo(ConcurrencyLimit.REFUSED);
  }
}
