package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many threads race at the OPEN→HALF_OPEN instant: exactly N trial calls pass, every round
 * (resilience4j #1432 let more through).
 */
class HalfOpenPermitStressTest {
  private static final int THREADS = 16;
  private static final int ROUNDS = 2_000;
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void exactlyTheConfiguredTrialsPassEveryRound(int permitted) throws Exception {
    FakeClock clock = new FakeClock();
    for (int round = 0; round < ROUNDS; round++) {
      CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("stress")
          .countWindow(1).minimumCalls(1).openDuration(Duration.ofSeconds(1))
          .halfOpen(permitted, permitted, Duration.ofMinutes(1)).build(), clock);
      breaker.tryAcquire().onFailure();
      clock.advance(Duration.ofSeconds(1)); // the open duration has just passed
      CyclicBarrier start = new CyclicBarrier(THREADS);
      AtomicInteger passed = new AtomicInteger();
      Future<?>[] racers = new Future<?>[THREADS];
      for (int t = 0; t < THREADS; t++) {
        racers[t] = pool.submit(() -> {
          start.await();
          for (int i = 0; i < 4; i++) {
            if (breaker.tryAcquire() != null) {
              passed.incrementAndGet();
            }
          }
          return null;
        });
      }
      for (Future<?> racer : racers) {
        racer.get(10, TimeUnit.SECONDS);
      }
      assertThat(passed).as("round %s", round).hasValue(permitted);
    }
  }
}
