package dev.tailguard.idempotency;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Deletes a store's records past their retention every {@code period}, on the caller's scheduler
 * (which the caller owns and shuts down). A failing run is logged and the next one tries again.
 *
 * <pre>{@code
 * try (IdempotencyReaper reaper = IdempotencyReaper.start(store, scheduler, Duration.ofMinutes(10))) { ... }
 * }</pre>
 *
 * @since 0.1
 */
public final class IdempotencyReaper implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.tailguard.idempotency");

  private final IdempotencyStore store;
  private final Duration period;
  private volatile ScheduledFuture<?> task;

  private IdempotencyReaper(IdempotencyStore store, Duration period) {
    this.store = store;
    this.period = period;
  }

  /**
   * Starts reaping.
   *
   * @throws IllegalArgumentException if {@code period} is not positive
   */
  public static IdempotencyReaper start(IdempotencyStore store, ScheduledExecutorService scheduler, Duration period) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(scheduler, "scheduler");
    if (period == null || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    IdempotencyReaper reaper = new IdempotencyReaper(store, period);
    long millis = period.toMillis();
    reaper.task = scheduler.scheduleWithFixedDelay(reaper::runOnce, millis, millis, TimeUnit.MILLISECONDS);
    return reaper;
  }

  /** One reaping run, as the schedule does it; returns how many records went (0 on failure). */
  public int runOnce() {
    try {
      int reaped = store.reapExpired();
      LOG.log(Level.DEBUG, () -> "reaped " + reaped + " expired idempotency records");
      return reaped;
    } catch (StoreUnavailableException | RuntimeException failure) {
      LOG.log(Level.WARNING, "reaping expired idempotency records failed; next try in " + period, failure);
      return 0;
    }
  }

  /** Stops reaping; a run in progress finishes. */
  @Override
  public void close() {
    task.cancel(false);
  }
}
