package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 1: a blocking hedge's loser that returns after the engine cancelled its future
 * hands its value to {@code onDiscard}, exactly once.
 */
class BlockingHedgeLateLosersTest {
  private final FakeClock clock = new FakeClock();
  private final ExecutorService attempts = Executors.newCachedThreadPool();
  private final List<String> discarded = new CopyOnWriteArrayList<>();

  @AfterEach
  void nothingLeft() throws InterruptedException {
    attempts.shutdownNow();
    assertThat(attempts.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    clock.assertNoPendingTasks();
  }

  @Test
  void aLoserThatIgnoresItsInterruptAndReturnsLateGoesToOnDiscardOnce() throws Exception {
    Hedge hedge = Hedge.builder(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2).build())
        .clock(clock).scheduler(clock).executor(attempts).build();
    CountDownLatch firstStarted = new CountDownLatch(1);
    CompletableFuture<Void> releaseFirst = new CompletableFuture<>();
    CountDownLatch firstReturned = new CountDownLatch(1);
    OutcomeHandler<String> handler = OutcomeHandler.<String>builder().onDiscard(discarded::add).build();

    CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
      try {
        return hedge.execute(context -> {
          if (context.attempt() == 2) {
            return "fast";
          }
          firstStarted.countDown();
          try {
            // join() ignores the interrupt the engine sends a loser, as much blocking code does.
            releaseFirst.join();
            return "late";
          } finally {
            firstReturned.countDown();
          }
        }, handler);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
    awaitPendingTimer();
    clock.advanceMillis(10);

    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("fast");
    releaseFirst.complete(null);
    assertThat(firstReturned.await(10, TimeUnit.SECONDS)).isTrue();
    attempts.shutdown();
    assertThat(attempts.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(discarded).containsExactly("late");
  }

  /** The first attempt starts on the executor; its hedge timer is set right after. */
  private void awaitPendingTimer() {
    assertThat(dev.tailguard.testing.Eventually.holds(() -> clock.pendingTasks() > 0, Duration.ofSeconds(10))).isTrue();
  }
}
