package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The success path must stay near the cost of a direct call: no clock reads, no events. */
class FastPathTest {
  private final FakeClock fake = new FakeClock();
  private final AtomicInteger clockReads = new AtomicInteger();
  private final Clock countingClock = new Clock() {
    @Override
    public long nanoTime() {
      clockReads.incrementAndGet();
      return fake.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      fake.sleep(duration);
    }
  };

  @Test
  void aFirstAttemptSuccessReadsNoClockWhenNothingNeedsTime() throws Exception {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).build(), countingClock, fake);
    for (int i = 0; i < 100; i++) {
      assertThat(retry.execute(() -> "ok")).isEqualTo("ok");
    }
    assertThat(clockReads).hasValue(0);
  }

  @Test
  void aDeadlineNeedsTheClockFromTheStart() throws Exception {
    Retry retry = Retry.of(RetryPolicy.builder().deadline(Duration.ofSeconds(1)).build(), countingClock, fake);
    retry.execute(() -> "ok");
    assertThat(clockReads.get()).isPositive();
  }

  @Test
  void aFailureAfterTheUntimedFirstAttemptStillRecordsAUsefulHistory() {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(10))).build(), countingClock, fake);
    try {
      retry.execute(() -> {
        fake.sleep(Duration.ofMillis(3));
        throw new IOException("down");
      });
    } catch (RetriesExhaustedException e) {
      // The first attempt ran before any clock read: its duration is unknown, its end is the origin.
      assertThat(e.attempts().get(0).duration()).isEmpty();
      assertThat(e.attempts().get(0).startOffset()).contains(Duration.ZERO);
      assertThat(e.attempts().get(1).startOffset()).contains(Duration.ofMillis(10));
      assertThat(e.attempts().get(1).duration()).contains(Duration.ofMillis(3));
      return;
    } catch (Exception other) {
      throw new AssertionError(other);
    }
    throw new AssertionError("expected RetriesExhaustedException");
  }
}
