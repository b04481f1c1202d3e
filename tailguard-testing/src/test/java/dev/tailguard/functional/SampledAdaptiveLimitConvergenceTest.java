package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * {@code AdaptiveConcurrencyLimitTest}'s model backend (10 workers) made 100 times faster: 100 µs
 * a call up to 10 in flight, so a 100 ms window holds 10,000 to 20,000 attempts and the limits
 * time only a sample of them (1 in 32 or 64). The knee must still be found, from above and below.
 *
 * <p>Before, the timed attempts were those whose counter had its low bits clear: with rounds of 4
 * calls and 1 in 32 timed, always the last call of a round to end, whose in-flight count (1) read
 * as "the client uses less than half the limit", so Gradient never grew from 2 past 4.
 */
class SampledAdaptiveLimitConvergenceTest {
  private final FakeClock time = new FakeClock();
  private final AtomicLong reads = new AtomicLong();
  private long attempts;
  /** The FakeClock, counting the limit's reads, to show that it sampled. */
  private final Clock clock = new Clock() {
    @Override
    public long nanoTime() {
      reads.incrementAndGet();
      return time.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      time.sleep(duration);
    }
  };

  private static final IntToLongFunction QUEUEING_BACKEND = n -> Duration.ofNanos(100_000).toNanos() * Math.max(10, n) / 10;

  private ConcurrencyLimit drive(ConcurrencyLimit limit, int rounds) {
    long[] tickets = new long[2000];
    for (int round = 0; round < rounds; round++) {
      int n = 0;
      while (n < 2000) {
        long ticket = limit.tryAcquire();
        if (ticket == ConcurrencyLimit.REFUSED) {
          break;
        }
        tickets[n++] = ticket;
      }
      attempts += n;
      time.advance(Duration.ofNanos(QUEUEING_BACKEND.applyAsLong(n)));
      for (int i = 0; i < n; i++) {
        limit.onSuccess(tickets[i]);
      }
    }
    assertThat(limit.inFlight()).isZero();
    return limit;
  }

  /** The limit did sample: far fewer than two clock reads per attempt (at the knee 1 in 32 or more). */
  private void assertSampled() {
    assertThat(reads.get()).isLessThan(attempts / 5);
    reads.set(0);
    attempts = 0;
  }

  @Test
  void aSamplingLimitComesDownFromATooHighLimitToNearTheKnee() {
    assertThat(drive(ConcurrencyLimit.gradient().initialLimit(200).clock(clock).build(), 300_000).limit()).isBetween(10, 25);
    assertSampled();
    assertThat(drive(ConcurrencyLimit.vegas().initialLimit(200).clock(clock).build(), 300_000).limit()).isBetween(10, 25);
    assertSampled();
  }

  @Test
  void aSamplingLimitGrowsFromATooLowLimitToNearTheKnee() {
    assertThat(drive(ConcurrencyLimit.gradient().initialLimit(2).clock(clock).build(), 300_000).limit()).isBetween(10, 25);
    assertSampled();
    assertThat(drive(ConcurrencyLimit.vegas().initialLimit(2).clock(clock).build(), 300_000).limit()).isBetween(10, 25);
    assertSampled();
  }
}
