package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.Fallback;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * "Every non-null result that is not returned ... goes to onDiscard exactly once", through a
 * pipeline with a {@link Fallback}. The fallback wraps the call's future in one of its own; when
 * the attempt's value reached the inner future while the caller was completing the outer one
 * ({@code complete}, {@code orTimeout}), the wrapper's {@code outer.complete(value)} returned
 * false and the value was dropped: neither returned nor discarded. Two threads race the attempt
 * and the caller on each of a bounded number of calls; every value must end in exactly one place.
 */
class FallbackPipelineDropsAResultTheCallerRacedTest {
  private static final int CALLS = 20_000;

  private final FakeClock clock = new FakeClock();
  private final ExecutorService answering = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() throws InterruptedException {
    answering.shutdownNow();
    assertThat(answering.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    clock.assertNoPendingTasks();
  }

  @Test
  void aBreakerOnlyPipelineWithAFallback() throws Exception {
    race(Pipeline.builder().clock(clock).scheduler(clock)
        .circuitBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("backend").build(), clock)).build());
  }

  @Test
  void aRetryingPipelineWithAFallback() throws Exception {
    race(Pipeline.builder().clock(clock).scheduler(clock).retry(RetryPolicy.builder().maxAttempts(2).build()).build());
  }

  private void race(Pipeline pipeline) throws Exception {
    AtomicInteger discarded = new AtomicInteger();
    AtomicInteger heldByAttempt = new AtomicInteger();
    OutcomeHandler<Object> handler = OutcomeHandler.builder().onDiscard(value -> discarded.incrementAndGet()).build();
    int delivered = 0;
    for (int i = 0; i < CALLS; i++) {
      CompletableFuture<Object> attempt = new CompletableFuture<>();
      Object value = new Object();
      CompletableFuture<Object> call = pipeline.executeAsync(context -> attempt, handler, Fallback.of("fallback"));
      CountDownLatch go = new CountDownLatch(1);
      Future<?> answer = answering.submit(() -> {
        go.await();
        // A cancelled attempt future cannot carry the value: the attempt's code releases it.
        if (!attempt.complete(value)) {
          heldByAttempt.incrementAndGet();
        }
        return null;
      });
      go.countDown();
      call.complete("caller");
      answer.get(5, TimeUnit.SECONDS);
      if (call.join() == value) {
        delivered++;
      }
    }
    assertThat(delivered + discarded.get() + heldByAttempt.get()).isEqualTo(CALLS);
  }
}
