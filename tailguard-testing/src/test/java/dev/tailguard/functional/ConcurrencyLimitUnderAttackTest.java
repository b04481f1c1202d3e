package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Hostile tests of a pipeline's concurrency-limit layer (issue 20: an async attempt gives its
 * permit back before its outcome is passed on, through a wrapper future): classifiers that throw
 * Errors, long queues of waiters, and random storms of hedges, timeouts, answers and
 * cancellations, checked against the claims: no permit leaks, a value that arrives is delivered
 * or discarded exactly once, and cancelling the call reaches the attempts.
 */
class ConcurrencyLimitUnderAttackTest {
  private final FakeClock clock = new FakeClock();
  private final AtomicInteger discarded = new AtomicInteger();
  private final OutcomeHandler<String> throwingClassifier = OutcomeHandler.<String>builder()
      .classifier((result, error) -> {
        throw new AssertionError("classifier bug");
      })
      .onDiscard(value -> discarded.incrementAndGet())
      .build();

  /**
   * The limit's layer classified with {@code catch (RuntimeException)} only, as the breaker's did
   * before {@code ClassifierThatThrowsAnErrorTest}: an {@code AssertionError} from the classifier
   * escaped the wrapper's completion, so the permit was never returned and the call's future
   * never completed (before the wrapper, only the permit leaked).
   */
  @Test
  void anAsyncCallWhoseClassifierThrowsAnErrorStillEndsAndGivesItsPermitBack() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    CompletableFuture<String> call = pipeline.executeAsync(attempt -> CompletableFuture.completedFuture("v"), throwingClassifier);
    assertThat(call).isDone();
    assertThat(limit.inFlight()).isZero();
  }

  /** The same classifier on the synchronous path: the Error left the layer before the permit went back. */
  @Test
  void aSyncCallWhoseClassifierThrowsAnErrorGivesItsPermitBack() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .timeout(Timeout.of(Duration.ofSeconds(1))).build();
    try {
      pipeline.execute(attempt -> "v", throwingClassifier);
    } catch (Throwable whatever) {
      // Whatever the call ends with, the permit must be back.
    }
    assertThat(limit.inFlight()).isZero();
    clock.runUntilIdle();
  }

  /**
   * A limit of one with a bounded wait and 20,000 queued async calls whose attempts answer at
   * once: each answer hands the permit to the next waiter from inside the previous attempt's
   * completion.
   */
  @Test
  void aLongQueueOfWaitersServedByAttemptsThatAnswerAtOnceAllEndAndLeakNoPermit() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).maxWait(Duration.ofSeconds(10)).clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> held = pipeline.executeAsync(attempt -> first, OutcomeHandler.defaults());
    List<CompletableFuture<String>> queued = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      String value = "v" + i;
      queued.add(pipeline.executeAsync(attempt -> CompletableFuture.completedFuture(value), OutcomeHandler.defaults()));
    }
    first.complete("first");
    assertThat(held).isCompletedWithValue("first");
    long answered = queued.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
    assertThat(answered).isEqualTo(queued.size());
    assertThat(limit.inFlight()).isZero();
  }

  /**
   * Random storms on a FakeClock: hedged and retried calls under a limit of 2 with a bounded
   * wait and an attempt timeout; each step answers, fails or leaves an attempt, cancels a call,
   * or moves time. Every value that reached the library (its {@code complete} returned true) is
   * either the call's answer or released to {@code onDiscard}, never both and never twice; no
   * permit leaks; no timer is left behind.
   */
  @Test
  void hedgeRetryTimeoutAndCancelStormsDeliverOrDiscardEveryArrivedValueOnceAndLeakNoPermit() {
    for (int seed = 0; seed < 300; seed++) {
      storm(seed);
    }
  }

  private void storm(long seed) {
    Random random = new Random(seed);
    FakeClock clock = new FakeClock();
    Map<String, Integer> discards = new ConcurrentHashMap<>();
    OutcomeHandler<String> handler = OutcomeHandler.<String>builder()
        .classifier((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS)
        .onDiscard(value -> discards.merge(value, 1, Integer::sum))
        .build();
    ConcurrencyLimit limit = random.nextBoolean()
        ? ConcurrencyLimit.fixed(2).maxWait(Duration.ofMillis(random.nextInt(3) * 20)).clock(clock).scheduler(clock).build()
        : ConcurrencyLimit.vegas().initialLimit(2).maxWait(Duration.ofMillis(random.nextInt(3) * 20)).clock(clock).scheduler(clock).build();
    Pipeline.Builder builder = Pipeline.builder().clock(clock).scheduler(clock).random(new Random(seed)).concurrencyLimit(limit);
    if (random.nextBoolean()) {
      builder.hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3).build());
    } else {
      builder.retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(random.nextInt(2) * 5))).build());
    }
    if (random.nextBoolean()) {
      builder.timeout(Timeout.of(Duration.ofMillis(25)));
    }
    Pipeline pipeline = builder.build();
    List<CompletableFuture<String>> attempts = new ArrayList<>();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    Map<String, Boolean> arrived = new HashMap<>();
    int[] counter = {0};
    for (int step = 0; step < 200; step++) {
      int action = random.nextInt(10);
      if (action < 2 && calls.size() < 40) {
        calls.add(pipeline.executeAsync(attempt -> {
          CompletableFuture<String> f = new CompletableFuture<>();
          attempts.add(f);
          return f;
        }, handler));
      } else if (action < 5 && !attempts.isEmpty()) {
        CompletableFuture<String> f = attempts.get(random.nextInt(attempts.size()));
        String value = "s" + seed + "-" + counter[0]++;
        if (f.complete(value)) {
          arrived.put(value, true);
        }
      } else if (action < 7 && !attempts.isEmpty()) {
        attempts.get(random.nextInt(attempts.size())).completeExceptionally(new IOException("reset"));
      } else if (action < 8 && !calls.isEmpty()) {
        calls.get(random.nextInt(calls.size())).cancel(true);
      } else {
        clock.advance(Duration.ofMillis(random.nextInt(15)));
      }
    }
    // Let everything end: answer every attempt still open, run every timer.
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < attempts.size(); i++) {
        String value = "s" + seed + "-" + counter[0]++;
        if (attempts.get(i).complete(value)) {
          arrived.put(value, true);
        }
      }
      clock.advance(Duration.ofSeconds(1));
    }
    clock.runUntilIdle();
    Map<String, Integer> delivered = new HashMap<>();
    for (CompletableFuture<String> call : calls) {
      assertThat(call).as("seed %s", seed).isDone();
      if (!call.isCompletedExceptionally()) {
        delivered.merge(call.join(), 1, Integer::sum);
      }
    }
    for (String value : arrived.keySet()) {
      int seen = delivered.getOrDefault(value, 0) + discards.getOrDefault(value, 0);
      assertThat(seen).as("seed %s: value %s delivered %s, discarded %s", seed, value,
          delivered.getOrDefault(value, 0), discards.getOrDefault(value, 0)).isEqualTo(1);
    }
    assertThat(limit.inFlight()).as("seed %s", seed).isZero();
    clock.assertNoPendingTasks();
  }

  /** Cancelling the call while the attempt holds its permit reaches the attempt's own future. */
  @Test
  void cancellingTheCallCancelsTheAttemptAndFreesThePermit() {
    cancellingTheCallCancelsTheAttempt(ConcurrencyLimit.fixed(1).clock(clock).scheduler(clock).build());
  }

  /** The same with a bounded wait, where the attempt started after a wait for its permit. */
  @Test
  void cancellingTheCallCancelsTheAttemptThatWaitedForItsPermit() {
    cancellingTheCallCancelsTheAttempt(ConcurrencyLimit.fixed(1).maxWait(Duration.ofMillis(50)).clock(clock).scheduler(clock).build());
  }

  private void cancellingTheCallCancelsTheAttempt(ConcurrencyLimit limit) {
    for (Pipeline pipeline : List.of(
        Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build(),
        Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
            .retry(RetryPolicy.builder().maxAttempts(3).build()).build(),
        Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
            .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2).build()).build())) {
      CompletableFuture<String> attempt = new CompletableFuture<>();
      CompletableFuture<String> call = pipeline.executeAsync(context -> attempt, OutcomeHandler.defaults());
      assertThat(limit.inFlight()).isEqualTo(1);
      call.cancel(true);
      assertThat(attempt).isCancelled();
      assertThat(limit.inFlight()).isZero();
      clock.runUntilIdle();
    }
  }

  /**
   * One adaptive limit shared by synchronous and asynchronous callers on real threads (the racy
   * sampling counter, waits, drops, answers from another thread): every call ends, and the
   * in-flight count comes back to exactly zero, neither leaking nor going below.
   */
  @Test
  void anAdaptiveLimitSharedBySyncAndAsyncCallersOnManyThreadsComesBackToZero() throws Exception {
    ConcurrencyLimit limit = ConcurrencyLimit.gradient().initialLimit(4).maxWait(Duration.ofMillis(50)).build();
    Pipeline pipeline = Pipeline.builder().concurrencyLimit(limit)
        .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ZERO)).build()).build();
    java.util.concurrent.ExecutorService answers = java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(4);
    AtomicInteger ended = new AtomicInteger();
    try {
      List<java.util.concurrent.Future<?>> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        boolean sync = t % 2 == 0;
        long seed = t;
        threads.add(callers.submit(() -> {
          Random random = new Random(seed);
          List<CompletableFuture<String>> mine = new ArrayList<>();
          for (int i = 0; i < 20_000; i++) {
            boolean fail = random.nextInt(10) == 0;
            if (sync) {
              try {
                pipeline.execute(() -> {
                  if (fail) {
                    throw new IOException("reset");
                  }
                  return "v";
                });
              } catch (Exception refusedOrFailed) {
                // A refusal or a failure still ends the call.
              }
              ended.incrementAndGet();
            } else {
              mine.add(pipeline.executeAsync(() -> CompletableFuture.supplyAsync(() -> {
                if (fail) {
                  throw new IllegalStateException("reset");
                }
                return "v";
              }, answers)));
            }
          }
          for (CompletableFuture<String> call : mine) {
            call.handle((result, error) -> ended.incrementAndGet()).get(30, java.util.concurrent.TimeUnit.SECONDS);
          }
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> thread : threads) {
        thread.get(120, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
      answers.shutdownNow();
    }
    assertThat(ended.get()).isEqualTo(80_000);
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.limit()).isBetween(1, 1000);
  }

  /** An attempt that never answers, ended by the pipeline's timeout or the retry policy's. */
  private int limitAfterTimeouts(boolean policyTimeout) {
    FakeClock clock = new FakeClock();
    ConcurrencyLimit limit = ConcurrencyLimit.gradient().initialLimit(100).window(Duration.ofMillis(10), 1)
        .clock(clock).scheduler(clock).build();
    Pipeline.Builder builder = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit);
    if (policyTimeout) {
      builder.retry(RetryPolicy.builder().maxAttempts(1).perAttemptTimeout(Duration.ofMillis(20)).build());
    } else {
      builder.timeout(Timeout.of(Duration.ofMillis(20)));
    }
    Pipeline pipeline = builder.build();
    for (int i = 0; i < 30; i++) {
      CompletableFuture<String> call = pipeline.executeAsync(() -> new CompletableFuture<String>());
      clock.advance(Duration.ofMillis(25));
      assertThat(call).isCompletedExceptionally();
    }
    assertThat(limit.inFlight()).isZero();
    return limit.limit();
  }

  /** "A timeout or a retryable failure is a drop: an adaptive limit shrinks" (README), for the pipeline's Timeout. */
  @Test
  void attemptsEndedByThePipelinesTimeoutShrinkAnAdaptiveLimit() {
    assertThat(limitAfterTimeouts(false)).isLessThan(100);
  }

  /**
   * The same for the retry policy's perAttemptTimeout on the async path: the engine ends the
   * attempt by cancelling it, and the limit's layer read that cancellation as "says nothing about
   * the backend", so the limit never shrank however many attempts timed out. The sync path is the
   * next test.
   */
  @Test
  void attemptsEndedByTheRetryPolicysPerAttemptTimeoutShrinkAnAdaptiveLimit() {
    assertThat(limitAfterTimeouts(true)).isLessThan(100);
  }

  /**
   * On the synchronous path the retry policy's perAttemptTimeout with interruptOnTimeout
   * interrupts the attempt; the limit's layer (inside the loop) saw only the attempt's
   * InterruptedException and returned the permit uncounted, and the loop replaced the outcome with
   * an AttemptTimeoutException after the limit had heard it, so the limit never shrank. The
   * interrupter now marks the attempt's context timed out before it interrupts.
   */
  @Test
  void syncAttemptsInterruptedByTheRetryPolicysPerAttemptTimeoutShrinkAnAdaptiveLimit() throws Exception {
    FakeClock clock = new FakeClock();
    ConcurrencyLimit limit = ConcurrencyLimit.gradient().initialLimit(100).window(Duration.ofMillis(10), 1)
        .clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .retry(RetryPolicy.builder().maxAttempts(1).perAttemptTimeout(Duration.ofMillis(20)).interruptOnTimeout(true).build())
        .build();
    for (int i = 0; i < 30; i++) {
      try {
        pipeline.execute(() -> {
          // The backend takes 25 ms: the interrupter fires on this thread as the time passes.
          clock.advance(Duration.ofMillis(25));
          if (Thread.interrupted()) {
            throw new InterruptedException("timed out");
          }
          return "late";
        });
      } catch (Exception timedOut) {
        // An AttemptTimeoutException or RetriesExhaustedException: the call timed out.
      }
      Thread.interrupted();
    }
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.limit()).isLessThan(100);
  }
}
