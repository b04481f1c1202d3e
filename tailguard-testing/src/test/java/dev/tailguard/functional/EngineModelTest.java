package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.BudgetState;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.Retry;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A randomized model test of both engines on {@link FakeClock}: random attempt outcomes and
 * timings, hedge and retry timers firing, the caller cancelling or completing the future, and
 * attempts whose futures the engine may cancel or not. After every run:
 *
 * <ul>
 *   <li>the call has exactly one outcome;
 *   <li>every value an attempt produced and the caller did not receive went to {@code onDiscard}
 *       exactly once (a value whose own future Tailguard cancelled is released by the attempt, as
 *       the README tells attempt code to do);
 *   <li>no attempt started after the call ended, and every attempt still running then was
 *       cancelled;
 *   <li>no timer is left on the clock.
 * </ul>
 */
class EngineModelTest {
  /** What an attempt does: 0 answers a value, 1 fails retryably, 2 fails for good, 3 hangs. */
  private static final int VALUE = 0;
  private static final int RETRYABLE = 1;
  private static final int FINAL = 2;
  private static final int HANG = 3;
  /** Only in the pipeline properties: the attempt fails with an {@link Error}. */
  private static final int ERROR = 4;

  /** What the caller does at its time: 0 nothing, 1 cancel, 2 complete with its own value. */
  private static final int CANCEL = 1;
  private static final int COMPLETE = 2;

  @Property(tries = 1500)
  void hedgedCallsKeepEveryPromise(
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 1, max = 20) int hedgeDelayMs,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 3) Integer> kinds,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 40) Integer> answerAfterMs,
      @ForAll @IntRange(min = 0, max = 2) int callerAction,
      @ForAll @IntRange(min = 0, max = 60) int callerAtMs,
      @ForAll boolean cancellableFutures) {
    Model model = new Model(kinds, answerAfterMs, cancellableFutures);
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(hedgeDelayMs))).maxAttempts(maxAttempts).build(),
        model.clock, model.clock);
    model.run(hedge.executeAsync(model.attempt, model.handler), callerAction, callerAtMs);
  }

  @Property(tries = 1500)
  void retriedCallsKeepEveryPromise(
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 0, max = 20) int backoffMs,
      @ForAll @IntRange(min = 0, max = 30) int perAttemptTimeoutMs,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 3) Integer> kinds,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 40) Integer> answerAfterMs,
      @ForAll @IntRange(min = 0, max = 2) int callerAction,
      @ForAll @IntRange(min = 0, max = 120) int callerAtMs,
      @ForAll boolean cancellableFutures) {
    Model model = new Model(kinds, answerAfterMs, cancellableFutures);
    RetryPolicy.Builder policy = RetryPolicy.builder().maxAttempts(maxAttempts)
        .backoff(backoffMs == 0 ? Backoff.none() : Backoff.fixed(Duration.ofMillis(backoffMs)));
    // 0 means no per-attempt timeout.
    if (perAttemptTimeoutMs > 0) {
      policy.perAttemptTimeout(Duration.ofMillis(perAttemptTimeoutMs));
    }
    Retry retry = Retry.of(policy.build(), model.clock, model.clock);
    model.run(retry.executeAsync(model.attempt, model.handler), callerAction, callerAtMs);
  }

  /** How the scheduler ends, at its time: 0 never, 1 shutdown (new timers refused), 2 shutdownNow (pending dropped too). */
  private static final int SHUTDOWN = 1;
  private static final int SHUTDOWN_NOW = 2;

  @Property(tries = 1500)
  void pipelinesKeepEveryPromise(
      @ForAll boolean hedged,
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 0, max = 20) int delayMs,
      @ForAll @IntRange(min = 0, max = 30) int timeoutMs,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 4) Integer> kinds,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 40) Integer> answerAfterMs,
      @ForAll @IntRange(min = 0, max = 2) int callerAction,
      @ForAll @IntRange(min = 0, max = 120) int callerAtMs,
      @ForAll boolean cancellableFutures,
      @ForAll @IntRange(min = 0, max = 2) int shutdown,
      @ForAll @IntRange(min = 0, max = 60) int shutdownAtMs,
      @ForAll @IntRange(min = 0, max = 4) int classifierThrowsOnAttempt,
      @ForAll boolean listenersThrow,
      @ForAll boolean onDiscardThrows,
      @ForAll @IntRange(min = 0, max = 3) int priorFailures,
      @ForAll @IntRange(min = 2, max = 6) int budgetTokens) {
    Model model = new Model(kinds, answerAfterMs, cancellableFutures, classifierThrowsOnAttempt, onDiscardThrows);
    model.scheduler.endsAt(shutdown, shutdownAtMs);
    CountingBreaker breaker = new CountingBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("model").countWindow(4)
        .minimumCalls(2).failureRateThreshold(0.5).openDuration(Duration.ofMillis(15)).halfOpen(1, 1, Duration.ofSeconds(10))
        .build(), model.clock));
    CountingBudget budget = new CountingBudget(RetryBudget.tokenBucket().maxTokens(budgetTokens).tokenRatio(0.5).build());
    // Some failures before the call: the breaker may be open, the budget low.
    for (int i = 0; i < priorFailures; i++) {
      CircuitBreaker.Permit prior = breaker.real.tryAcquire();
      if (prior != null) {
        prior.onFailure();
      }
      budget.record(Verdict.RETRYABLE);
    }
    Pipeline.Builder pipeline = Pipeline.builder().clock(model.clock).scheduler(model.scheduler).circuitBreaker(breaker);
    if (hedged) {
      HedgePolicy.Builder policy = HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(Math.max(1, delayMs))))
          .maxAttempts(maxAttempts).admission(budget);
      if (listenersThrow) {
        policy.onHedge(event -> { throw new IllegalStateException("hedge listener"); })
            .onAttempt(event -> { throw new IllegalStateException("attempt listener"); });
      }
      pipeline.hedge(policy.build());
    } else {
      RetryPolicy.Builder policy = RetryPolicy.builder().maxAttempts(maxAttempts).admission(budget)
          .backoff(delayMs == 0 ? Backoff.none() : Backoff.fixed(Duration.ofMillis(delayMs)));
      if (listenersThrow) {
        policy.onRetry(event -> { throw new IllegalStateException("retry listener"); })
            .onAttempt(event -> { throw new IllegalStateException("attempt listener"); });
      }
      pipeline.retry(policy.build());
    }
    // 0 means no per-attempt timeout.
    if (timeoutMs > 0) {
      pipeline.timeout(Timeout.of(Duration.ofMillis(timeoutMs)));
    }
    model.run(pipeline.build().executeAsync(model.attempt, model.handler), callerAction, callerAtMs);
    breaker.assertEveryPermitEndedOnce();
    budget.assertBalanced(model.started.size(), budgetTokens, priorFailures);
  }

  /** What a synchronous attempt does: the async kinds, then 5 is interrupted and throws, 6 re-asserts an interrupt and fails retryably. */
  private static final int INTERRUPTED = 5;
  private static final int REASSERTED = 6;

  @Property(tries = 1500)
  void synchronousPipelinesKeepEveryPromise(
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 0, max = 20) int backoffMs,
      @ForAll @IntRange(min = 0, max = 30) int timeoutMs,
      @ForAll boolean interruptOnTimeout,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 6) Integer> kinds,
      @ForAll @Size(4) List<@IntRange(min = 0, max = 40) Integer> takesMs,
      @ForAll boolean classifierRetriesInterrupts,
      @ForAll @IntRange(min = 0, max = 4) int classifierThrowsOnAttempt,
      @ForAll boolean onDiscardThrows,
      @ForAll @IntRange(min = 0, max = 3) int priorFailures) {
    FakeClock clock = new FakeClock();
    List<String> discarded = new ArrayList<>();
    List<String> produced = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    int[] attempts = {0};
    boolean[] interrupted = {false};
    OutcomeHandler<String> handler = OutcomeHandler.<String>builder()
        .classifier((result, error) -> {
          if (attempts[0] == classifierThrowsOnAttempt) {
            throw new IllegalStateException("classifier");
          }
          return error == null ? Verdict.SUCCESS
              : error instanceof IOException || (classifierRetriesInterrupts && error instanceof InterruptedException)
                  ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
        })
        .onDiscard(value -> {
          discarded.add(value);
          if (onDiscardThrows) {
            throw new IllegalStateException("onDiscard");
          }
        })
        .build();
    CountingBreaker breaker = new CountingBreaker(CircuitBreaker.of(CircuitBreakerConfig.builder("model").countWindow(4)
        .minimumCalls(2).failureRateThreshold(0.5).openDuration(Duration.ofMillis(15)).halfOpen(1, 1, Duration.ofSeconds(10))
        .build(), clock));
    for (int i = 0; i < priorFailures; i++) {
      CircuitBreaker.Permit prior = breaker.real.tryAcquire();
      if (prior != null) {
        prior.onFailure();
      }
    }
    Pipeline.Builder builder = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker)
        .retry(RetryPolicy.builder().maxAttempts(maxAttempts)
            .backoff(backoffMs == 0 ? Backoff.none() : Backoff.fixed(Duration.ofMillis(backoffMs))).build());
    if (timeoutMs > 0) {
      Timeout timeout = Timeout.of(Duration.ofMillis(timeoutMs));
      builder.timeout(interruptOnTimeout ? timeout.withInterrupt() : timeout);
    }
    Pipeline pipeline = builder.build();
    String returned = null;
    Throwable thrown = null;
    try {
      returned = pipeline.execute(context -> {
        if (interrupted[0]) {
          violations.add("attempt " + context.attempt() + " started after an interrupt");
        }
        int index = attempts[0]++;
        int kind = index < kinds.size() ? kinds.get(index) : VALUE;
        // The attempt's time passes while it runs; a timeout with interrupt fires in it.
        int takes = takesMs.get(Math.min(index, takesMs.size() - 1));
        boolean timesOut = timeoutMs > 0 && (takes > timeoutMs || (interruptOnTimeout && takes >= timeoutMs));
        clock.advanceMillis(takes);
        if (Thread.interrupted()) {
          // Tailguard's own timeout interrupt, as a blocking read would report it.
          throw new InterruptedException("interrupted by the timeout");
        }
        // An interrupt or Error in an attempt that timed out is not the call's outcome.
        if ((!timesOut && kind == INTERRUPTED) || kind == REASSERTED) {
          interrupted[0] = true;
        }
        switch (kind) {
          case VALUE:
          case HANG:
            String value = "v" + (index + 1);
            produced.add(value);
            return value;
          case RETRYABLE:
            throw new IOException("reset " + (index + 1));
          case FINAL:
            throw new IllegalArgumentException("bad request " + (index + 1));
          case ERROR:
            throw new AssertionError("error " + (index + 1));
          case INTERRUPTED:
            throw new InterruptedException("interrupted " + (index + 1));
          default:
            Thread.currentThread().interrupt();
            throw new IOException("reset after an interrupt " + (index + 1));
        }
      }, handler);
    } catch (Throwable t) {
      thrown = t;
    }
    boolean flagSet = Thread.interrupted();

    assertThat(violations).isEmpty();
    assertThat(returned != null || thrown != null).as("exactly one outcome").isTrue();
    assertThat(flagSet).as("an interrupted caller keeps its interrupt; Tailguard's own timeout interrupt never leaks")
        .isEqualTo(interrupted[0]);
    List<String> expectedDiscards = new ArrayList<>(produced);
    if (returned != null) {
      expectedDiscards.remove(returned);
    }
    assertThat(discarded).as("every value nobody received, discarded exactly once")
        .containsExactlyInAnyOrderElementsOf(expectedDiscards);
    breaker.assertEveryPermitEndedOnce();
    clock.assertNoPendingTasks();
  }

  /** A breaker that counts how each permit it gave out ended. */
  private static final class CountingBreaker implements CircuitBreaker {
    final CircuitBreaker real;
    final List<int[]> permits = new ArrayList<>();

    CountingBreaker(CircuitBreaker real) {
      this.real = real;
    }

    @Override
    public Permit tryAcquire() {
      Permit permit = real.tryAcquire();
      if (permit == null) {
        return null;
      }
      int[] ends = new int[1];
      permits.add(ends);
      return new Permit() {
        @Override
        public void onSuccess() {
          ends[0]++;
          permit.onSuccess();
        }

        @Override
        public void onFailure() {
          ends[0]++;
          permit.onFailure();
        }

        @Override
        public void release() {
          ends[0]++;
          permit.release();
        }
      };
    }

    void assertEveryPermitEndedOnce() {
      for (int i = 0; i < permits.size(); i++) {
        assertThat(permits.get(i)[0]).as("permit %s of %s: times it ended", i + 1, permits.size()).isEqualTo(1);
      }
    }

    @Override
    public CircuitState state() {
      return real.state();
    }

    @Override
    public CircuitBreakerConfig config() {
      return real.config();
    }

    @Override
    public double failureRate() {
      return real.failureRate();
    }

    @Override
    public void transitionToOpen() {
      real.transitionToOpen();
    }

    @Override
    public void transitionToClosed() {
      real.transitionToClosed();
    }

    @Override
    public void transitionToForcedOpen() {
      real.transitionToForcedOpen();
    }

    @Override
    public void transitionToDisabled() {
      real.transitionToDisabled();
    }
  }

  /** A token bucket that remembers what it granted and what it was told, to replay the balance. */
  private static final class CountingBudget implements RetryAdmission {
    final RetryBudget real;
    final List<Verdict> recorded = new ArrayList<>();
    int granted;

    CountingBudget(RetryBudget real) {
      this.real = real;
    }

    @Override
    public boolean admit(int attempt) {
      boolean admitted = real.admit(attempt);
      if (admitted) {
        granted++;
      }
      return admitted;
    }

    @Override
    public void record(Verdict verdict) {
      recorded.add(verdict);
      real.record(verdict);
    }

    @Override
    public BudgetState state() {
      return real.state();
    }

    void assertBalanced(int attemptsStarted, int maxTokens, int priorFailures) {
      assertThat(recorded.size() - priorFailures).as("outcomes counted, at most one per attempt that ran")
          .isLessThanOrEqualTo(attemptsStarted);
      assertThat(granted).as("no attempt after the first without admission").isGreaterThanOrEqualTo(attemptsStarted - 1);
      // A6's bucket: a retryable failure withdraws 1 token, a success deposits the ratio; 0..max.
      int milli = maxTokens * 1000;
      for (Verdict verdict : recorded) {
        int delta = verdict == Verdict.RETRYABLE ? -1000 : verdict == Verdict.SUCCESS ? 500 : 0;
        milli = Math.max(0, Math.min(maxTokens * 1000, milli + delta));
      }
      assertThat(real.state().level()).as("balance: what the outcomes add up to").isEqualTo(milli / 1000.0);
    }
  }

  /** The FakeClock as a scheduler that may be shut down: new timers refused, and with shutdownNow pending ones dropped. */
  private static final class EndingScheduler implements Scheduler {
    final FakeClock clock;
    final List<Cancellable> pending = new ArrayList<>();
    int mode;
    long endsAtNanos = Long.MAX_VALUE;
    boolean ended;

    EndingScheduler(FakeClock clock) {
      this.clock = clock;
    }

    void endsAt(int mode, int atMs) {
      this.mode = mode;
      if (mode != 0) {
        endsAtNanos = Duration.ofMillis(atMs).toNanos();
      }
    }

    /** Called once per modelled millisecond. */
    void tick() {
      if (ended || clock.nanoTime() < endsAtNanos) {
        return;
      }
      ended = true;
      if (mode == SHUTDOWN_NOW) {
        // Dropped without a word, as ScheduledThreadPoolExecutor.shutdownNow() does.
        pending.forEach(Cancellable::cancel);
      }
      pending.clear();
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
      if (ended) {
        throw new RejectedExecutionException("model scheduler is shut down");
      }
      Cancellable timer = clock.schedule(task, delay);
      pending.add(timer);
      return timer;
    }
  }

  /** One run: the scripted attempts, what they produced, and the checks. */
  private static final class Model {
    final FakeClock clock = new FakeClock();
    final EndingScheduler scheduler = new EndingScheduler(clock);
    final List<Integer> kinds;
    final List<Integer> answerAfterMs;
    final boolean cancellableFutures;
    final List<Started> started = new ArrayList<>();
    final List<String> discarded = new CopyOnWriteArrayList<>();
    final List<String> produced = new ArrayList<>();
    final AtomicReference<CompletableFuture<String>> call = new AtomicReference<>();
    final List<String> violations = new ArrayList<>();
    final OutcomeHandler<String> handler;
    final AsyncAttempt<String> attempt;

    Model(List<Integer> kinds, List<Integer> answerAfterMs, boolean cancellableFutures) {
      this(kinds, answerAfterMs, cancellableFutures, 0, false);
    }

    /** {@code classifierThrowsOnAttempt}: the classifier throws on that attempt's outcome (0: never). */
    Model(List<Integer> kinds, List<Integer> answerAfterMs, boolean cancellableFutures, int classifierThrowsOnAttempt,
        boolean onDiscardThrows) {
      this.handler = OutcomeHandler.<String>builder()
          .classifier((result, error) -> {
            if (classifierThrowsOnAttempt > 0 && (("v" + classifierThrowsOnAttempt).equals(result)
                || (error != null && String.valueOf(error.getMessage()).endsWith(" " + classifierThrowsOnAttempt)))) {
              throw new IllegalStateException("classifier");
            }
            return error == null ? Verdict.SUCCESS : error instanceof IOException ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
          })
          .onDiscard(value -> {
            discarded.add(value);
            if (onDiscardThrows) {
              throw new IllegalStateException("onDiscard");
            }
          })
          .build();
      this.kinds = kinds;
      this.answerAfterMs = answerAfterMs;
      this.cancellableFutures = cancellableFutures;
      this.attempt = context -> {
        CompletableFuture<String> current = call.get();
        if (current != null && current.isDone()) {
          violations.add("attempt " + context.attempt() + " started after the call ended");
        }
        Started one = new Started(context.attempt(), clock.nanoTime(), new CompletableFuture<>());
        context.onCancel(() -> one.cancelled = true);
        started.add(one);
        return cancellableFutures ? one.future : one.future.minimalCompletionStage();
      };
    }

    void run(CompletableFuture<String> future, int callerAction, int callerAtMs) {
      call.set(future);
      for (int ms = 0; ms <= 200; ms++) {
        if (ms == callerAtMs && callerAction == CANCEL) {
          future.cancel(true);
        } else if (ms == callerAtMs && callerAction == COMPLETE) {
          future.complete("caller");
        }
        answerDue();
        scheduler.tick();
        clock.advanceMillis(1);
      }
      // A call whose attempts all hang ends when its caller gives up.
      if (!future.isDone()) {
        future.cancel(true);
      }
      boolean endedRunning = started.stream().anyMatch(s -> !s.answered && !s.cancelled);
      clock.advanceMillis(1_000);
      answerDue();

      assertThat(violations).isEmpty();
      assertThat(future).isDone();
      assertThat(endedRunning).as("an attempt still running when the call ended was not cancelled").isFalse();
      String returned = future.isCompletedExceptionally() ? null : future.join();
      List<String> expectedDiscards = new ArrayList<>(produced);
      if (returned != null) {
        expectedDiscards.remove(returned);
      }
      assertThat(discarded).as("every value nobody received, discarded exactly once")
          .containsExactlyInAnyOrderElementsOf(expectedDiscards);
      clock.assertNoPendingTasks();
    }

    /** Answers every started attempt whose time has come. */
    private void answerDue() {
      long now = clock.nanoTime();
      for (Started one : new ArrayList<>(started)) {
        int index = one.number - 1;
        if (one.answered || index >= kinds.size()) {
          continue;
        }
        int kind = kinds.get(index);
        if (now - one.startNanos < Duration.ofMillis(answerAfterMs.get(index)).toNanos() || kind == HANG) {
          continue;
        }
        one.answered = true;
        if (kind == VALUE) {
          String value = "v" + one.number;
          produced.add(value);
          // The README's rule for attempt code: a value its cancelled future cannot carry is released by it.
          if (!one.future.complete(value) && cancellableFutures) {
            try {
              handler.onDiscard().accept(value);
            } catch (IllegalStateException thrownByOnDiscard) {
              // The model's onDiscard throws after recording; attempt code would log it.
            }
          }
        } else if (kind == RETRYABLE) {
          one.future.completeExceptionally(new IOException("reset " + one.number));
        } else if (kind == FINAL) {
          one.future.completeExceptionally(new IllegalArgumentException("bad request " + one.number));
        } else if (kind == ERROR) {
          boolean running = !call.get().isDone();
          one.future.completeExceptionally(new AssertionError("error " + one.number));
          // An Error the engine hears of ends the call there and then.
          if (running && !one.cancelled && !call.get().isDone()) {
            violations.add("attempt " + one.number + " failed with an Error and the call went on");
          }
        }
      }
    }
  }

  private static final class Started {
    final int number;
    final long startNanos;
    final CompletableFuture<String> future;
    volatile boolean cancelled;
    boolean answered;

    Started(int number, long startNanos, CompletableFuture<String> future) {
      this.number = number;
      this.startNanos = startNanos;
      this.future = future;
    }
  }
}
