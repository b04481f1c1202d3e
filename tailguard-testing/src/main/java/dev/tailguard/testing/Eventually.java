package dev.tailguard.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Bounded waiting for what another thread does, for integration tests against real servers: a
 * server learning that a stream was cancelled, a call setting its timer on a {@link FakeClock}
 * from its own thread. Unit tests drive time with {@link FakeClock} and never need this.
 *
 * <pre>{@code
 * assertThat(Eventually.holds(() -> service.cancelled(0), Duration.ofSeconds(10))).isTrue();
 * }</pre>
 */
public final class Eventually {
  private static final long POLL_NANOS = 200_000;

  private Eventually() {}

  /**
   * Polls {@code condition} until it holds or {@code limit} has passed.
   *
   * @return whether the condition held; false after the limit, or when the thread is interrupted
   *     (its interrupt status is kept)
   */
  public static boolean holds(BooleanSupplier condition, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      // One last look after the limit or an interrupt, so a late success still counts.
      if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
        return condition.getAsBoolean();
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    return true;
  }
}
