package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 20: an adaptive limit times a sample of its attempts, not every one, so its permit costs
 * about what a fixed one does; what it learns from must not be sampled away (drops, the probe).
 */
class AdaptiveLimitSamplingTest {
  private static final long WINDOW = Duration.ofMillis(100).toNanos();

  /** A clock that counts how often the limit read it. */
  private static final class CountingClock implements Clock {
    final ManualClock time = new ManualClock();
    final AtomicLong reads = new AtomicLong();

    @Override
    public long nanoTime() {
      reads.incrementAndGet();
      return time.nanoTime();
    }

    @Override
    public void sleep(Duration duration) {
      time.sleep(duration);
    }
  }

  private final CountingClock clock = new CountingClock();
  private final DefaultConcurrencyLimit limit = (DefaultConcurrencyLimit) ConcurrencyLimit.gradient().initialLimit(25)
      .clock(clock).build();

  /** One window of {@code calls} attempts that each take a permit and succeed at once, then the window's time passes. */
  private void busyWindow(int calls) {
    for (int i = 0; i < calls; i++) {
      limit.onSuccess(limit.tryAcquire());
    }
    clock.time.advance(WINDOW);
  }

  @Test
  void aQuietWindowTimesEveryAttemptAndABusyOneAboutTwoHundredFiftySix() {
    assertThat(AdaptiveLimit.sampleMaskFor(0)).isZero();
    assertThat(AdaptiveLimit.sampleMaskFor(2 * AdaptiveLimit.SAMPLES_PER_WINDOW - 1)).isZero();
    assertThat(AdaptiveLimit.sampleMaskFor(2 * AdaptiveLimit.SAMPLES_PER_WINDOW)).isEqualTo(1);
    assertThat(AdaptiveLimit.sampleMaskFor(3 * AdaptiveLimit.SAMPLES_PER_WINDOW)).isEqualTo(1);
    assertThat(AdaptiveLimit.sampleMaskFor(Integer.MAX_VALUE)).isEqualTo(AdaptiveLimit.MAX_SAMPLE_EVERY - 1);
    // A window whose attempt counter wrapped reads a negative difference: time every attempt, never fewer.
    assertThat(AdaptiveLimit.sampleMaskFor(-5)).isZero();
  }

  @Test
  void aBusyLimitReadsTheClockForASampleOfItsAttemptsOnly() {
    assertThat(limit.adaptive().sampleEvery()).isEqualTo(1);
    for (int w = 0; w < 5; w++) {
      busyWindow(100_000);
    }
    assertThat(limit.adaptive().sampleEvery()).isEqualTo(AdaptiveLimit.MAX_SAMPLE_EVERY);
    long before = clock.reads.get();
    busyWindow(100_000);
    // Two reads per timed attempt, one in 256 timed: about 780 of 200,000 permit operations.
    assertThat(clock.reads.get() - before).isBetween(600L, 1_000L);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void whileAProbeRunsEveryAttemptIsTimed() {
    boolean sawProbe = false;
    // The first clean window after sampling thinned starts the Gradient rule's first probe.
    for (int w = 0; w < 5 && !sawProbe; w++) {
      for (int i = 0; i < 100_000; i++) {
        limit.onSuccess(limit.tryAcquire());
        if (limit.adaptive().probing()) {
          sawProbe = true;
          assertThat(limit.adaptive().sampleEvery()).isEqualTo(1);
          assertThat(limit.limit()).isEqualTo(3);
        }
      }
      clock.time.advance(WINDOW);
    }
    assertThat(sawProbe).isTrue();
  }

  @Test
  void anUntimedDropStillShrinksTheLimit() {
    for (int w = 0; w < 5; w++) {
      busyWindow(100_000);
    }
    assertThat(limit.adaptive().probing()).isFalse();
    int before = limit.limit();
    // A single-threaded client never has half the limit in flight, so clean windows hold the limit where it is.
    busyWindow(100_000);
    assertThat(limit.limit()).isEqualTo(before);
    long ticket;
    do {
      ticket = limit.tryAcquire();
      if (ticket != DefaultConcurrencyLimit.UNTIMED_TICKET) {
        limit.onSuccess(ticket);
      }
    } while (ticket != DefaultConcurrencyLimit.UNTIMED_TICKET);
    limit.onDropped(ticket);
    busyWindow(100_000);
    // The window with the drop closes on the next timed attempt: backoffRatio 0.9.
    limit.onSuccess(limit.tryAcquire());
    busyWindow(1_000);
    assertThat(limit.limit()).isEqualTo(Math.round(before * 0.9f));
    assertThat(limit.inFlight()).isZero();
  }
}
