package dev.tailguard.internal;

import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock the model checks move by hand. Core's tests cannot use {@code FakeClock}
 * (tailguard-testing depends on core), and a model check needs time to be one more piece of the
 * shared state the checker interleaves.
 */
final class ManualClock implements Clock {
  private final AtomicLong now = new AtomicLong();

  @Override
  public long nanoTime() {
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
