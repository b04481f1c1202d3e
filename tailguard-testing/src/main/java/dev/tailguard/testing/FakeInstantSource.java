package dev.tailguard.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * A wall clock that moves only when told to, for code that keeps time as instants (leases,
 * retention, HTTP-dates). Thread-safe.
 *
 * @since 0.1
 */
public final class FakeInstantSource implements InstantSource {
  private Instant now;

  /** Starts at {@code start}. */
  public FakeInstantSource(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  /**
   * Moves time forward.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public synchronized void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("time only moves forward: " + duration);
    }
    now = now.plus(duration);
  }
}
