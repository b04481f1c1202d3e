package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.internal.Durations;
import dev.tailguard.internal.GuardedAttempts;
import dev.tailguard.internal.LimitedAttempts;
import dev.tailguard.internal.ThreadLocalRandomGenerator;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Composes Tailguard's policies around a call in one fixed order, outermost first:
 *
 * <pre>
 *   fallback
 *     └─ retry or hedge (each retry or hedge asks the budget)
 *          └─ concurrency limit (a permit per attempt)
 *               └─ circuit breaker (sees every attempt)
 *                    └─ timeout (per attempt)
 *                         └─ the call
 * </pre>
 *
 * <p>Why this order:
 *
 * <ul>
 *   <li>The <b>fallback</b> is outermost so that it answers whatever the layers below end with:
 *       an open circuit, exhausted retries, a budget denial.
 *   <li>The <b>retry or hedge</b> sits above the breaker so that the breaker counts every attempt,
 *       not just every call: ten failing retries are ten failures. Its budget is asked before each
 *       extra attempt, so neither retries nor hedges can storm.
 *   <li>The <b>concurrency limit</b> sits beside the breaker, just above it: each attempt, retries
 *       and hedges included, holds a permit while it runs, and an adaptive limit measures each
 *       attempt's latency (a timeout is a drop). A refused attempt never reaches the breaker and
 *       never costs it a permit; its {@link ConcurrencyLimitExceededException} is a {@link
 *       TailguardRejection}, so the call ends at once rather than retrying into the same limit.
 *   <li>The <b>breaker</b> sits above the timeout so that an attempt that times out counts as a
 *       failure. A {@link CircuitOpenException} is a {@link TailguardRejection}, never retried by
 *       the default classifier: an open circuit ends the call at once instead of burning the
 *       remaining attempts (the mistake users make with Resilience4j, #920).
 *   <li>The <b>timeout</b> is innermost, per attempt; the retry policy's deadline bounds the whole
 *       call.
 * </ul>
 *
 * <pre>{@code
 * Pipeline pipeline = Pipeline.builder()
 *     .retry(RetryPolicy.builder().maxAttempts(3).admission(budget).build())
 *     .circuitBreaker(breaker)
 *     .timeout(Timeout.of(Duration.ofSeconds(1)))
 *     .build();
 * String value = pipeline.execute(() -> fetch(), OutcomeHandler.defaults(), Fallback.of("cached"));
 * }</pre>
 *
 * <p>Without {@link Builder#retry} or {@link Builder#hedge} the call runs exactly once: it returns
 * the attempt's result (whatever the classifier says of it) or throws the attempt's own exception
 * unchanged, {@link CircuitOpenException} when the breaker refuses, or {@link
 * AttemptTimeoutException} when the timeout passes; nothing is wrapped and no attempt history is
 * kept.
 *
 * <p>The synchronous and asynchronous paths apply the same layers in the same order. Instances
 * are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Pipeline {
  private final RetryPolicy retry;
  private final HedgePolicy hedge;
  private final CircuitBreaker breaker;
  private final Timeout timeout;
  private final ConcurrencyLimit limit;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final Retry retrier;
  private final Hedge hedger;

  private Pipeline(Builder b) {
    this.retry = b.retry;
    this.hedge = b.hedge;
    this.breaker = b.breaker;
    this.timeout = b.timeout;
    this.limit = b.limit;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.random = b.random;
    // Without a retry or a hedge there is exactly one attempt: no retry engine, no attempt history.
    this.retrier = retry == null ? null : Retry.of(retry, clock, scheduler, random);
    this.hedger = hedge == null ? null : Hedge.builder(hedge).clock(clock).scheduler(scheduler).random(random).build();
  }

  /** Starts a builder: no retry (one attempt), no breaker, no timeout. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the call on the calling thread (hedged attempts run on the hedge's executor).
   *
   * @throws Exception as {@link Retry#execute(Callable, OutcomeHandler)} documents; {@link
   *     CircuitOpenException} when the breaker rejects the call
   */
  public <T> T execute(AttemptCallable<T> call, OutcomeHandler<? super T> handler) throws Exception {
    Checks.notNull(handler, "handler");
    // One attempt, no timeout and no limit: no wrapper per call, only the context the attempt receives.
    if (hedger == null && retrier == null && timeout == null && limit == null) {
      return GuardedAttempts.once(Checks.notNull(call, "call"), new AttemptContext(1, -1), breaker, handler);
    }
    AttemptCallable<T> guarded = GuardedAttempts.sync(Checks.notNull(call, "call"), breaker, timeout, clock, scheduler, handler);
    if (limit != null) {
      guarded = LimitedAttempts.sync(guarded, limit, handler);
    }
    if (hedger != null) {
      return hedger.execute(guarded, handler);
    }
    if (retrier != null) {
      return retrier.execute(guarded, handler);
    }
    return GuardedAttempts.callOnce(guarded, new AttemptContext(1, timeout == null ? -1 : Durations.toNanosSaturated(timeout.duration())));
  }

  /** Runs the call with the default outcome handler. */
  public <T> T execute(Callable<T> call) throws Exception {
    Checks.notNull(call, "call");
    // Without a hedge or a timeout nothing needs the attempt's context: take the allocation-free path.
    if (hedger == null && timeout == null && limit == null) {
      OutcomeHandler<T> handler = OutcomeHandler.defaults();
      return retrier != null ? retrier.executeGuarded(call, breaker, handler) : GuardedAttempts.once(call, breaker, handler);
    }
    return execute(context -> call.call(), OutcomeHandler.defaults());
  }

  /**
   * Runs the call and answers with {@code fallback} when it applies to the failure.
   *
   * @throws Exception the failure, when the fallback does not apply to it (or fails itself)
   */
  public <T> T execute(AttemptCallable<T> call, OutcomeHandler<? super T> handler, Fallback<T> fallback) throws Exception {
    Checks.notNull(fallback, "fallback");
    try {
      return execute(call, handler);
    } catch (Exception | Error failure) {
      if (!fallback.appliesTo(failure)) {
        throw failure;
      }
      try {
        return fallback.answer(failure).toCompletableFuture().join();
      } catch (CompletionException wrapped) {
        Throwable cause = wrapped.getCause();
        if (cause instanceof Exception) {
          throw (Exception) cause;
        }
        throw wrapped;
      }
    }
  }

  /**
   * Starts the call asynchronously. Completing the returned future in any way (cancel, complete,
   * orTimeout) ends the call: pending timers are removed and the attempts in flight cancelled.
   */
  public <T> CompletableFuture<T> executeAsync(AsyncAttempt<T> call, OutcomeHandler<? super T> handler) {
    Checks.notNull(handler, "handler");
    AsyncAttempt<T> guarded = GuardedAttempts.async(Checks.notNull(call, "call"), breaker, timeout, scheduler, handler);
    if (limit != null) {
      guarded = LimitedAttempts.async(guarded, limit, handler);
    }
    if (hedger != null) {
      return hedger.executeAsync(guarded, handler);
    }
    if (retrier != null) {
      return retrier.executeAsync(guarded, handler);
    }
    return GuardedAttempts.startOnce(guarded, timeout);
  }

  /** Starts the call asynchronously with the default outcome handler. */
  public <T> CompletableFuture<T> executeAsync(Supplier<? extends CompletionStage<T>> call) {
    Checks.notNull(call, "call");
    return executeAsync(context -> call.get(), OutcomeHandler.defaults());
  }

  /** Starts the call asynchronously and answers with {@code fallback} when it applies. */
  public <T> CompletableFuture<T> executeAsync(AsyncAttempt<T> call, OutcomeHandler<? super T> handler, Fallback<T> fallback) {
    Checks.notNull(fallback, "fallback");
    CompletableFuture<T> inner = executeAsync(call, handler);
    CompletableFuture<T> outer = new CompletableFuture<>();
    inner.whenComplete((result, error) -> {
      if (error == null) {
        // The caller completed its future first (complete, orTimeout): nobody sees this result.
        if (!outer.complete(result)) {
          GuardedAttempts.discardUnreceived(handler, result);
        }
        return;
      }
      Throwable failure = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (!fallback.appliesTo(failure)) {
        outer.completeExceptionally(failure);
        return;
      }
      try {
        fallback.answer(failure).whenComplete((answer, fallbackError) -> {
          if (fallbackError != null) {
            outer.completeExceptionally(fallbackError);
          } else {
            outer.complete(answer);
          }
        });
      } catch (RuntimeException fallbackFailure) {
        outer.completeExceptionally(fallbackFailure);
      }
    });
    // The caller ending its future in any way (cancel, complete, orTimeout) kills the call
    // underneath; once the call has ended this does nothing.
    outer.whenComplete((result, error) -> inner.cancel(true));
    return outer;
  }

  @Override
  public String toString() {
    return "Pipeline{" + (hedge != null ? hedge : retry) + ", " + breaker + ", " + timeout + "}";
  }

  /** Builds a {@link Pipeline}. Not thread-safe. */
  public static final class Builder {
    private RetryPolicy retry;
    private HedgePolicy hedge;
    private CircuitBreaker breaker;
    private Timeout timeout;
    private ConcurrencyLimit limit;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private RandomGenerator random = ThreadLocalRandomGenerator.INSTANCE;

    private Builder() {}

    /**
     * Retries under {@code policy}.
     *
     * @throws IllegalStateException if a hedge policy is already set (one or the other)
     */
    public Builder retry(RetryPolicy policy) {
      Checks.state(hedge == null, "hedge is already set to %s: a pipeline retries or hedges", hedge);
      this.retry = Checks.notNull(policy, "retry");
      return this;
    }

    /**
     * Hedges under {@code policy}.
     *
     * @throws IllegalStateException if a retry policy is already set (one or the other)
     */
    public Builder hedge(HedgePolicy policy) {
      Checks.state(retry == null, "retry is already set to %s: a pipeline retries or hedges", retry);
      this.hedge = Checks.notNull(policy, "hedge");
      return this;
    }

    /** Guards every attempt with {@code breaker}; share the breaker per backend. */
    public Builder circuitBreaker(CircuitBreaker breaker) {
      this.breaker = Checks.notNull(breaker, "circuitBreaker");
      return this;
    }

    /**
     * Bounds the attempts running at once with {@code limit}: every attempt, retries and hedges
     * included, takes a permit just before the breaker; share the limit per backend.
     */
    public Builder concurrencyLimit(ConcurrencyLimit limit) {
      this.limit = Checks.notNull(limit, "concurrencyLimit");
      return this;
    }

    /** Limits each attempt to {@code timeout}. */
    public Builder timeout(Timeout timeout) {
      this.timeout = Checks.notNull(timeout, "timeout");
      return this;
    }

    /** Sets the clock. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Checks.notNull(clock, "clock");
      return this;
    }

    /** Sets the scheduler for waits and timeouts. Default {@link Scheduler#system()}. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Checks.notNull(scheduler, "scheduler");
      return this;
    }

    /** Sets the randomness. Default {@code ThreadLocalRandom}. */
    public Builder random(RandomGenerator random) {
      this.random = Checks.notNull(random, "random");
      return this;
    }

    /** Builds the pipeline. */
    public Pipeline build() {
      return new Pipeline(this);
    }
  }
}
