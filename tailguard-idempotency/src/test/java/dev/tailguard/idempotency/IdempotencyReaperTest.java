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

  @Test
  void aFailingRunReapsNothingAndTheNextRunStillWorks() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
    InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(10, now::get);
    memory.claim("alice", "a".repeat(64), "f".repeat(64), Duration.ofSeconds(1), Duration.ofSeconds(1));
    now.set(now.get().plusSeconds(5));
    java.util.concurrent.atomic.AtomicInteger failuresLeft = new java.util.concurrent.atomic.AtomicInteger(2);
    IdempotencyStore flaky = (IdempotencyStore) java.lang.reflect.Proxy.newProxyInstance(
        IdempotencyStore.class.getClassLoader(), new Class<?>[] {IdempotencyStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("reapExpired")) {
            int left = failuresLeft.getAndDecrement();
            if (left == 2) {
              throw new StoreUnavailableException("down", null);
            }
            if (left == 1) {
              throw new IllegalStateException("driver bug");
            }
          }
          return method.invoke(memory, args);
        });
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try (IdempotencyReaper reaper = IdempotencyReaper.start(flaky, scheduler, Duration.ofHours(1))) {
      assertThat(reaper.runOnce()).isZero();
      assertThat(reaper.runOnce()).isZero();
      assertThat(reaper.runOnce()).isEqualTo(1);
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aMissingPeriodOrANegativeOneIsRejected() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(1);
      assertThatThrownBy(() -> IdempotencyReaper.start(store, scheduler, null)).hasMessage("period must be positive: null");
      assertThatThrownBy(() -> IdempotencyReaper.start(store, scheduler, Duration.ofSeconds(-1))).hasMessageContaining("period");
      assertThat(scheduler.getQueue()).isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * A failing run is logged at WARNING with the period until the next try, a successful one at
   * DEBUG with the count. The module does not read java.logging, so the JDK's default backend is
   * reached reflectively (it is exported, and reflection needs no readability).
   */
  @Test
  void runsAreLoggedAWarningWhenTheyFailAndADebugLineWhenTheyReap() throws Exception {
    Class<?> loggerClass = Class.forName("java.util.logging.Logger");
    Class<?> levelClass = Class.forName("java.util.logging.Level");
    Class<?> handlerClass = Class.forName("java.util.logging.Handler");
    Class<?> formatterClass = Class.forName("java.util.logging.Formatter");
    Object jul = loggerClass.getMethod("getLogger", String.class).invoke(null, "dev.tailguard.idempotency");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
    Object handler = Class.forName("java.util.logging.StreamHandler")
        .getConstructor(java.io.OutputStream.class, formatterClass).newInstance(out, formatter);
    Object all = levelClass.getField("ALL").get(null);
    handlerClass.getMethod("setLevel", levelClass).invoke(handler, all);
    Object previousLevel = loggerClass.getMethod("getLevel").invoke(jul);
    loggerClass.getMethod("setLevel", levelClass).invoke(jul, all);
    loggerClass.getMethod("addHandler", handlerClass).invoke(jul, handler);
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T10:00:00Z"));
      InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(10, now::get);
      memory.claim("alice", "a".repeat(64), "f".repeat(64), Duration.ofSeconds(1), Duration.ofSeconds(1));
      now.set(now.get().plusSeconds(5));
      IdempotencyStore down = (IdempotencyStore) java.lang.reflect.Proxy.newProxyInstance(
          IdempotencyStore.class.getClassLoader(), new Class<?>[] {IdempotencyStore.class}, (proxy, method, args) -> {
            throw new StoreUnavailableException("database unreachable", null);
          });
      try (IdempotencyReaper failing = IdempotencyReaper.start(down, scheduler, Duration.ofMinutes(10));
          IdempotencyReaper working = IdempotencyReaper.start(memory, scheduler, Duration.ofMinutes(10))) {
        failing.runOnce();
        working.runOnce();
      }
      handlerClass.getMethod("flush").invoke(handler);
      String logged = out.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(logged).contains("WARNING: reaping expired idempotency records failed; next try in PT10M")
          .contains("database unreachable")
          .contains("reaped 1 expired idempotency records");
    } finally {
      scheduler.shutdownNow();
      loggerClass.getMethod("removeHandler", handlerClass).invoke(jul, handler);
      loggerClass.getMethod("setLevel", levelClass).invoke(jul, previousLevel);
    }
  }
}
