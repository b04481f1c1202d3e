package dev.tailguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Hostile tests of the sampled adaptive limit (issue 20): a call rate that falls after a busy
 * spell, clock readings anywhere in the {@code long} range (sentinels, wrap), and the same rules
 * translated in time.
 */
class AdaptiveLimitUnderAttackTest {
  private static final long MS = 1_000_000L;
  private static final long WINDOW = 100 * MS;

  /** A clock that starts anywhere and counts its reads. */
  private static final class ShiftedClock implements Clock {
    final AtomicLong now;
    final AtomicLong reads = new AtomicLong();

    ShiftedClock(long start) {
      now = new AtomicLong(start);
    }

    @Override
    public long nanoTime() {
      reads.incrementAndGet();
      return now.get();
    }

    @Override
    public void sleep(Duration duration) {
      now.addAndGet(duration.toNanos());
    }

    void advance(long nanos) {
      now.addAndGet(nanos);
    }
  }

  private static void busyWindows(DefaultConcurrencyLimit limit, ShiftedClock clock, int windows) {
    for (int w = 0; w < windows; w++) {
      for (int i = 0; i < 100_000; i++) {
        limit.onSuccess(limit.tryAcquire());
      }
      clock.advance(WINDOW);
    }
  }

  /**
   * After a busy spell the limit times one attempt in 256. When the call rate then falls to ten
   * a window, a window needs ten timed samples to close, so with the old code no window closed
   * for about 2,560 attempts (26 s here; over 40 minutes at one call a second): the limit could
   * not learn, and the quiet client was never timed in full again, against "every attempt is
   * timed in quieter windows".
   */
  @Test
  void aLimitThatWasBusyTimesEveryAttemptAgainOnceTheCallRateFalls() {
    ShiftedClock clock = new ShiftedClock(0);
    DefaultConcurrencyLimit limit = (DefaultConcurrencyLimit) ConcurrencyLimit.gradient().initialLimit(25).clock(clock).build();
    busyWindows(limit, clock, 5);
    assertThat(limit.adaptive().sampleEvery()).isEqualTo(AdaptiveLimit.MAX_SAMPLE_EVERY);
    // Ten calls a window, 1 ms each, for 100 windows (10 s): 1,000 attempts.
    for (int i = 0; i < 1_000; i++) {
      long ticket = limit.tryAcquire();
      clock.advance(MS);
      limit.onSuccess(ticket);
      clock.advance(9 * MS);
    }
    assertThat(limit.adaptive().sampleEvery()).isEqualTo(1);
    long before = clock.reads.get();
    for (int i = 0; i < 10; i++) {
      long ticket = limit.tryAcquire();
      clock.advance(MS);
      limit.onSuccess(ticket);
      clock.advance(9 * MS);
    }
    // Two clock reads per attempt: every one timed.
    assertThat(clock.reads.get() - before).isEqualTo(20);
    assertThat(limit.inFlight()).isZero();
  }

  /**
   * The limit's trajectory under one load, from a clock that starts at {@code start}: ten
   * windows busy enough to sample, then a backend whose latency doubles with the concurrency,
   * eight callers at a time, for 300 windows.
   */
  private static List<Integer> trajectory(long start) {
    return trajectory(start, new ArrayList<>());
  }

  /** As above, and adds to {@code windowStarts} each window's start, relative to {@code start}. */
  private static List<Integer> trajectory(long start, List<Long> windowStarts) {
    ShiftedClock clock = new ShiftedClock(start);
    DefaultConcurrencyLimit limit = (DefaultConcurrencyLimit) ConcurrencyLimit.vegas().initialLimit(40).clock(clock).build();
    List<Integer> limits = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      for (int i = 0; i < 100_000; i++) {
        limit.onSuccess(limit.tryAcquire());
      }
      // Past the window by more than a nanosecond: see the latency unit below.
      clock.advance(WINDOW + 1_000_003L);
    }
    long[] tickets = new long[64];
    for (int w = 0; w < 300; w++) {
      windowStarts.add(clock.now.get() - start);
      for (int round = 0; round < 20; round++) {
        int taken = 0;
        int want = Math.min(64, limit.limit());
        while (taken < want) {
          long t = limit.tryAcquire();
          if (t == ConcurrencyLimit.REFUSED) {
            break;
          }
          tickets[taken++] = t;
        }
        // Latency grows past 10 in flight: a backend of 10 workers.
        // A latency unit that no sum of equals the window, so that no window ends exactly on a
        // reading: a sentinel moved by a nanosecond must not decide which round closes a window.
        clock.advance(1_000_003L * Math.max(1, taken / 10 + 1));
        for (int i = 0; i < taken; i++) {
          limit.onSuccess(tickets[i]);
        }
      }
      clock.advance(WINDOW + 1_000_003L);
      limits.add(limit.limit());
    }
    assertThat(limit.inFlight()).isZero();
    return limits;
  }

  /** The trajectory from a clock at 0; the load does move the limit, or the comparisons below would be vacuous. */
  private static List<Integer> reference() {
    List<Integer> reference = trajectory(0);
    assertThat(new java.util.HashSet<>(reference)).hasSizeGreaterThan(2);
    return reference;
  }

  /**
   * Only differences of clock readings mean anything ({@link System#nanoTime()}'s contract). A
   * clock reading {@code Long.MIN_VALUE}, the "no window yet" mark, never opened the first window
   * (every sample re-opened it), so the whole schedule shifted by a window.
   */
  @Test
  void aClockThatStartsAtTheSentinelsLearnsAsOneThatStartsAtZero() {
    List<Integer> reference = reference();
    assertThat(trajectory(Long.MIN_VALUE)).isEqualTo(reference);
    assertThat(trajectory(Long.MIN_VALUE + 1)).isEqualTo(reference);
  }

  /**
   * A probe compared an attempt's start with the probe's start as absolute readings: once the
   * clock wrapped from {@code Long.MAX_VALUE} to {@code Long.MIN_VALUE}, no attempt counted as
   * started after the probe, and the limit stayed pinned at the probe limit.
   */
  @Test
  void aClockThatWrapsDuringAProbeLearnsAsOneThatStartsAtZero() {
    List<Long> windowStarts = new ArrayList<>();
    List<Integer> reference = trajectory(0, windowStarts);
    int probe = reference.lastIndexOf(3);
    assertThat(probe).isPositive();
    // Wrap 30 ms into the last probe's window, after it pinned the limit and before its samples.
    long wrapAt = windowStarts.get(probe) + 30 * MS;
    assertThat(trajectory(Long.MAX_VALUE - wrapAt)).isEqualTo(reference);
  }
}
