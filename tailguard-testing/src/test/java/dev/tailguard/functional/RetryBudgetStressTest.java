package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Many threads released together against one budget: the admitted retries never exceed the
 * budget's bound. Every admitted retry fails, as in an outage, which is when the bound matters.
 */
class RetryBudgetStressTest {
  private static final int THREADS = 8;
  private static final int ROUNDS = 200;

  @Test
  void tokenBucketAdmitsAtMostHalfItsTokensPlusTheRacingThreads() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      RetryBudget budget = RetryBudget.tokenBucket().maxTokens(20).tokenRatio(0.1).build();
      int admitted = race(() -> budget, true);
      // 20 tokens, threshold 10: at most 10 failures can be recorded while admission is open,
      // plus one admission per thread that read the level before the last failure landed.
      assertThat(admitted).isBetween(10, 10 + THREADS);
    }
  }

  @Test
  void ratioBudgetAdmitsAtMostItsBalancePlusTheRacingThreads() throws Exception {
    FakeClock clock = new FakeClock();
    for (int round = 0; round < ROUNDS; round++) {
      RetryBudget budget = RetryBudget.ratio().percentCanRetry(0.1).minRetriesPerSecond(0).ttl(Duration.ofSeconds(10)).clock(clock).build();
      for (int i = 0; i < 500; i++) {
        budget.admitRequest();
      }
      int admitted = race(() -> budget, false);
      assertThat(admitted).isBetween(50, 50 + THREADS);
    }
  }

  private static int race(Supplier<RetryBudget> budget, boolean recordFailure) throws Exception {
    CyclicBarrier start = new CyclicBarrier(THREADS);
    AtomicInteger admitted = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < 100; i++) {
            if (budget.get().admit(2)) {
              admitted.incrementAndGet();
              if (recordFailure) {
                budget.get().record(Verdict.RETRYABLE);
              }
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
    }
    return admitted.get();
  }
}
