package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.Backoff;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.ConcurrencyLimitExceededException;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.event.ConcurrencyLimitChangedEvent;
import dev.tailguard.event.ConcurrencyLimitRefusedEvent;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Issue 20: the fixed limit, its bounded wait and refusal, and how a Pipeline composes it; all on FakeClock. */
class ConcurrencyLimitTest {
  private final FakeClock clock = new FakeClock();
  private final OutcomeHandler<String> retryEverything =
      OutcomeHandler.of((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS);

  private ConcurrencyLimit.FixedBuilder fixed(int permits) {
    return ConcurrencyLimit.fixed(permits).name("backend").clock(clock).scheduler(clock);
  }

  @Test
  void aFixedLimitRefusesTheAttemptOverItsPermitsWithItsOwnExceptionAndEvent() {
    List<ConcurrencyLimitRefusedEvent> events = new ArrayList<>();
    ConcurrencyLimit limit = fixed(2).onRefused(events::add).build();
    long first = limit.tryAcquire();
    long second = limit.tryAcquire();

    assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.REFUSED);
    assertThat(limit.inFlight()).isEqualTo(2);
    assertThat(limit.refusals()).isEqualTo(1);
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.name()).isEqualTo("backend");
      assertThat(e.limit()).isEqualTo(2);
      assertThat(e.inFlight()).isEqualTo(2);
      assertThat(e.waited()).isFalse();
    });
    limit.onSuccess(first);
    assertThat(limit.tryAcquire()).isNotEqualTo(ConcurrencyLimit.REFUSED);
    limit.onIgnored(second);
    assertThat(limit.inFlight()).isEqualTo(1);
    assertThat(limit.refusal()).isInstanceOf(dev.tailguard.TailguardRejection.class)
        .hasMessageContaining("'backend'").hasMessageContaining("limit 2");
  }

  @Test
  void returningAPermitThatWasNotTakenThrowsInsteadOfDrifting() {
    ConcurrencyLimit limit = fixed(1).build();
    assertThatThrownBy(() -> limit.onSuccess(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("'backend'");
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.tryAcquire()).isNotEqualTo(ConcurrencyLimit.REFUSED);
    assertThat(limit.tryAcquire()).isEqualTo(ConcurrencyLimit.REFUSED);
  }

  @Test
  void aBoundedWaitGetsAPermitReleasedWithinMaxWaitAndIsRefusedAfterIt() {
    List<ConcurrencyLimitRefusedEvent> events = new ArrayList<>();
    ConcurrencyLimit limit = fixed(1).maxWait(Duration.ofMillis(10)).onRefused(events::add).build();
    long held = limit.tryAcquire();

    // given a waiter, when the holder ends within maxWait, then the waiter gets the permit
    CompletableFuture<Long> waiter = limit.acquire();
    clock.advance(Duration.ofMillis(9));
    assertThat(waiter).isNotDone();
    limit.onSuccess(held);
    assertThat(waiter).isCompleted();
    assertThat(limit.inFlight()).isEqualTo(1);

    // given another waiter, when nobody ends within maxWait, then it is refused, having waited
    CompletableFuture<Long> late = limit.acquire();
    clock.advance(Duration.ofMillis(9));
    assertThat(late).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThat(late).isCompletedExceptionally();
    assertThatThrownBy(late::get).hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
    assertThat(events).singleElement().satisfies(e -> assertThat(e.waited()).isTrue());
    limit.onSuccess(waiter.join());
    assertThat(limit.inFlight()).isZero();
    clock.assertNoPendingTasks();
  }

  @Test
  void aCancelledWaitTakesNoPermitAndLeavesNoTimer() {
    ConcurrencyLimit limit = fixed(1).maxWait(Duration.ofSeconds(1)).build();
    long held = limit.tryAcquire();
    CompletableFuture<Long> waiter = limit.acquire();
    waiter.cancel(false);
    clock.assertNoPendingTasks();
    limit.onSuccess(held);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void aRefusedAttemptIsNeverRetriedIntoTheSameLimit() {
    // given a limit of 1 held by a call still running, and a pipeline that retries every exception
    ConcurrencyLimit limit = fixed(1).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ZERO)).build()).build();
    CompletableFuture<String> running = new CompletableFuture<>();
    CompletableFuture<String> first = pipeline.executeAsync(context -> running, retryEverything);
    AtomicInteger attempts = new AtomicInteger();

    // when a second call comes
    CompletableFuture<String> second = pipeline.executeAsync(context -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("never");
    }, retryEverything);
    clock.runUntilIdle();

    // then it ends at once with the refusal: no attempt ran, no retry was scheduled into the limit
    assertThat(second).isCompletedExceptionally();
    assertThatThrownBy(second::get).hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
    assertThat(attempts).hasValue(0);
    assertThat(limit.refusals()).isEqualTo(1);
    running.complete("ok");
    assertThat(first).isCompletedWithValue("ok");
    assertThat(limit.inFlight()).isZero();
    clock.assertNoPendingTasks();
  }

  @Test
  void aRefusedSynchronousAttemptIsNeverRetriedEither() throws Exception {
    ConcurrencyLimit limit = fixed(1).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ZERO)).build()).build();
    long held = limit.tryAcquire();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> pipeline.execute(context -> {
      attempts.incrementAndGet();
      return "never";
    }, retryEverything)).isInstanceOf(ConcurrencyLimitExceededException.class);
    assertThat(attempts).hasValue(0);
    assertThat(limit.refusals()).isEqualTo(1);
    limit.onIgnored(held);

    String ok = pipeline.execute(context -> "ok", retryEverything);
    assertThat(ok).isEqualTo("ok");
    String fast = pipeline.execute(() -> "fast path");
    assertThat(fast).isEqualTo("fast path");
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void everyAttemptOfARetriedCallHoldsAPermitOnlyWhileItRuns() {
    ConcurrencyLimit limit = fixed(1).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(100))).build()).build();
    List<Integer> inFlightDuringAttempts = new ArrayList<>();
    CompletableFuture<String> call = pipeline.executeAsync(context -> {
      inFlightDuringAttempts.add(limit.inFlight());
      return context.attempt() < 3 ? CompletableFuture.failedFuture(new IOException("503")) : CompletableFuture.completedFuture("ok");
    }, retryEverything);
    // During the backoff the call holds no permit, so another call can run.
    assertThat(limit.inFlight()).isZero();
    clock.runUntilIdle();
    assertThat(call).isCompletedWithValue("ok");
    assertThat(inFlightDuringAttempts).containsExactly(1, 1, 1);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void timedOutAndCancelledAttemptsGiveTheirPermitBack() {
    ConcurrencyLimit limit = fixed(2).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .timeout(Timeout.of(Duration.ofMillis(50))).build();
    CompletableFuture<String> timesOut = pipeline.executeAsync(context -> new CompletableFuture<>(), retryEverything);
    CompletableFuture<String> cancelled = pipeline.executeAsync(context -> new CompletableFuture<>(), retryEverything);
    assertThat(limit.inFlight()).isEqualTo(2);
    cancelled.cancel(true);
    assertThat(limit.inFlight()).isEqualTo(1);
    clock.advance(Duration.ofMillis(50));
    assertThat(timesOut).isCompletedExceptionally();
    assertThat(limit.inFlight()).isZero();
    clock.assertNoPendingTasks();
  }

  @Test
  void hedgesTakePermitsTooAndLosersGiveThemBack() {
    ConcurrencyLimit limit = fixed(2).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2).build()).build();
    List<CompletableFuture<String>> attempts = new ArrayList<>();
    CompletableFuture<String> call = pipeline.executeAsync(context -> {
      CompletableFuture<String> attempt = new CompletableFuture<>();
      attempts.add(attempt);
      return attempt;
    }, retryEverything);
    clock.advance(Duration.ofMillis(10));
    assertThat(attempts).hasSize(2);
    assertThat(limit.inFlight()).isEqualTo(2);
    attempts.get(1).complete("hedge");
    assertThat(call).isCompletedWithValue("hedge");
    assertThat(limit.inFlight()).isZero();
    clock.runUntilIdle();
  }

  @Test
  void aPipelineAttemptWaitsItsMaxWaitForAPermitAndThenRuns() {
    ConcurrencyLimit limit = fixed(1).maxWait(Duration.ofMillis(20)).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    CompletableFuture<String> first = new CompletableFuture<>();
    pipeline.executeAsync(context -> first, retryEverything);
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<String> waiting = pipeline.executeAsync(context -> {
      started.incrementAndGet();
      return CompletableFuture.completedFuture("second");
    }, retryEverything);
    clock.advance(Duration.ofMillis(5));
    assertThat(started).hasValue(0);
    first.complete("first");
    assertThat(waiting).isCompletedWithValue("second");
    assertThat(limit.inFlight()).isZero();
    clock.assertNoPendingTasks();
  }

  @Test
  void adapterBuildersPassTheLimitToTheirPipelines() throws Exception {
    ConcurrencyLimit limit = fixed(1).build();
    class Adapter extends AdapterBuilder<Adapter> {}
    Pipeline pipeline = new Adapter().concurrencyLimit(limit).clock(clock).scheduler(clock).guards().build();
    long held = limit.tryAcquire();
    assertThatThrownBy(() -> pipeline.execute(context -> "x", retryEverything)).isInstanceOf(ConcurrencyLimitExceededException.class);
    limit.onIgnored(held);
    assertThat(new Adapter().concurrencyLimit(limit).concurrencyLimit()).isSameAs(limit);
  }

  @Test
  void badParametersFailNamingTheParameterAndTheValue() {
    assertThatThrownBy(() -> ConcurrencyLimit.fixed(0)).isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be >= 1: 0");
    assertThatThrownBy(() -> fixed(1).maxWait(Duration.ofMillis(-1))).hasMessage("maxWait must be >= 0: PT-0.001S");
    assertThatThrownBy(() -> fixed(1).name("")).hasMessageContaining("name must not be empty");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().initialLimit(0)).hasMessage("initialLimit must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().minLimit(0)).hasMessage("minLimit must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().maxLimit(0)).hasMessage("maxLimit must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().window(Duration.ZERO, 10)).hasMessage("window must be > 0: PT0S");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().window(Duration.ofMillis(1), 0)).hasMessage("minSamples must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().backoffRatio(1.0)).hasMessage("backoffRatio must be in (0, 1): 1.0");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().tolerance(0.5)).hasMessage("tolerance must be >= 1: 0.5");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().smoothing(0)).hasMessage("smoothing must be in (0, 1]: 0.0");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().queueSize(-1)).hasMessage("queueSize must be >= 0: -1");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().baselineWindows(0)).hasMessage("baselineWindows must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.vegas().alpha(-1)).hasMessage("alpha must be >= 0: -1.0");
    assertThatThrownBy(() -> ConcurrencyLimit.vegas().beta(Double.NaN)).hasMessage("beta must be >= 0: NaN");
    assertThatThrownBy(() -> ConcurrencyLimit.vegas().probeWindows(0)).hasMessage("probeWindows must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.vegas().probeLimit(0)).hasMessage("probeLimit must be >= 1: 0");
    assertThatThrownBy(() -> ConcurrencyLimit.vegas().alpha(5).beta(4).build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("alpha (5.0) must be <= beta (4.0)");
    assertThatThrownBy(() -> ConcurrencyLimit.gradient().minLimit(10).maxLimit(5).build()).hasMessage("minLimit (10) must be <= maxLimit (5)");
    assertThatThrownBy(() -> ConcurrencyLimit.vegas().initialLimit(2000).build())
        .hasMessage("initialLimit (2000) must be within minLimit (1) and maxLimit (1000)");
    assertThatThrownBy(() -> Pipeline.builder().concurrencyLimit(null)).hasMessage("concurrencyLimit must not be null");
  }

  @Test
  void listenersOnTheLimitAddUp() {
    List<Object> seen = new ArrayList<>();
    ConcurrencyLimit limit = fixed(1).onRefused(seen::add).onRefused(e -> seen.add("second")).build();
    long held = limit.tryAcquire();
    limit.tryAcquire();
    assertThat(seen).hasSize(2).element(1).isEqualTo("second");
    limit.onIgnored(held);
  }

  @Test
  void aSynchronousWaiterIsHandedThePermitAnotherThreadReturns() throws Exception {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).maxWait(Duration.ofHours(1)).clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    long held = limit.tryAcquire();
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        result.complete(pipeline.execute(context -> "waited", retryEverything));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    caller.start();
    // The caller blocks until the permit comes back; no time needs to pass. (Bounded: a caller
    // that skipped the limit ends instead of waiting, and the assertion below says so.)
    while (clock.pendingTasks() == 0 && !result.isDone()) {
      Thread.onSpinWait();
    }
    assertThat(result).as("the caller waits for the permit instead of running past the limit").isNotDone();
    limit.onSuccess(held);
    assertThat(result.get()).isEqualTo("waited");
    caller.join();
    assertThat(limit.inFlight()).isZero();
    clock.assertNoPendingTasks();
  }

  @Test
  void theSynchronousWaiterIsRefusedWhenTheInjectedClockPassesMaxWait() throws Exception {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).maxWait(Duration.ofSeconds(5)).clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    long held = limit.tryAcquire();
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        result.complete(pipeline.execute(context -> "never", retryEverything));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    caller.start();
    while (clock.pendingTasks() == 0 && !result.isDone()) {
      Thread.onSpinWait();
    }
    assertThat(result).as("the caller waits for the permit instead of running past the limit").isNotDone();
    clock.advance(Duration.ofSeconds(5));
    assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
    caller.join();
    limit.onIgnored(held);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void limitChangesFireTheirEvent() {
    List<ConcurrencyLimitChangedEvent> changes = new ArrayList<>();
    ConcurrencyLimit limit = ConcurrencyLimit.vegas().initialLimit(10).window(Duration.ofMillis(10), 1)
        .clock(clock).scheduler(clock).onLimitChanged(changes::add).build();
    // A dropped attempt in a window shrinks the limit by the backoff ratio.
    long ticket = limit.tryAcquire();
    clock.advance(Duration.ofMillis(20));
    limit.onDropped(ticket);
    ticket = limit.tryAcquire();
    clock.advance(Duration.ofMillis(20));
    limit.onDropped(ticket);
    assertThat(changes).isNotEmpty();
    assertThat(changes.get(0).from()).isEqualTo(10);
    assertThat(changes.get(0).to()).isEqualTo(9);
    assertThat(limit.limit()).isEqualTo(changes.get(changes.size() - 1).to());
  }
}
