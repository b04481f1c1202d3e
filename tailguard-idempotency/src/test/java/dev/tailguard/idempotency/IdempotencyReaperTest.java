package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IdempotencyReaperTest {
  @Test
  void schedulesARunEveryPeriodAndClosingRemovesIt() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
    InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10, now::get);
    store.claim("alice", "a".repeat(64), "f".repeat(64), Duration.ofSeconds(1), Duration.ofSeconds(1));
    now.set(now.get().plusSeconds(5));
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    scheduler.setRemoveOnCancelPolicy(true);
    try {
      IdempotencyReaper reaper = IdempotencyReaper.start(store, scheduler, Duration.ofMinutes(10));
      assertThat(scheduler.getQueue()).hasSize(1);
      assertThat(((java.util.concurrent.Delayed) scheduler.getQueue().peek()).getDelay(TimeUnit.MINUTES)).isBetween(9L, 10L);

      assertThat(reaper.runOnce()).isEqualTo(1);
      assertThat(store.size()).isZero();
      reaper.close();
      assertThat(scheduler.getQueue()).isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aNonPositivePeriodIsRejected() {
    assertThatThrownBy(() -> IdempotencyReaper.start(new InMemoryIdempotencyStore(1, InstantSource.system()),
        new ScheduledThreadPoolExecutor(1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
  }
}
