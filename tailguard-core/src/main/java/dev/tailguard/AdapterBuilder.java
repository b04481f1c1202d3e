package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;

/**
 * What every adapter's builder shares: a retry or a hedge policy, a circuit breaker, a per-attempt
 * timeout, and the clock and scheduler they run on. The JDK {@code HttpClient}, OkHttp and gRPC
 * builders extend it, so these settings read, default and fail the same way in each; each adapter
 * adds its own settings and its own {@code hedge(...)}, since what may be hedged differs.
 *
 * <p>Retry and hedge are one or the other: setting one while the other is set throws, so a
 * configuration never silently drops a policy. Setting the same one again replaces it.
 *
 * <p>Builders are not thread-safe.
 *
 * @param <B> the adapter's builder, which every setter returns
 * @since 0.1
 */
public abstract class AdapterBuilder<B extends AdapterBuilder<B>> {
  private RetryPolicy retry;
  private HedgePolicy hedge;
  private CircuitBreaker circuitBreaker;
  private Timeout timeout;
  private ConcurrencyLimit concurrencyLimit;
  private Clock clock = Clock.system();
  private Scheduler scheduler = Scheduler.system();

  /** For adapters' builders. */
  protected AdapterBuilder() {}

  /**
   * Retries failed attempts under {@code policy}. Default: no retries.
   *
   * @throws IllegalStateException if a hedge policy is set (one or the other)
   */
  public B retry(RetryPolicy policy) {
    Checks.state(hedge == null, "hedge is already set to %s: an adapter retries or hedges", hedge);
    this.retry = Checks.notNull(policy, "retry");
    return self();
  }

  /**
   * Sets the hedge policy, for the adapter's own {@code hedge(...)}. Default: no hedging.
   *
   * @throws IllegalStateException if a retry policy is set (one or the other)
   */
  protected final void useHedge(HedgePolicy policy) {
    Checks.state(retry == null, "retry is already set to %s: an adapter retries or hedges", retry);
    this.hedge = Checks.notNull(policy, "hedge");
  }

  /** Guards every attempt, retries and hedges included, with {@code breaker}. Default: none. */
  public B circuitBreaker(CircuitBreaker breaker) {
    this.circuitBreaker = Checks.notNull(breaker, "circuitBreaker");
    return self();
  }

  /**
   * Limits each attempt to {@code timeout}; a timed-out attempt is cancelled, which aborts its
   * exchange or call. Default: none (the client's own timeouts apply).
   */
  public B timeout(Timeout timeout) {
    this.timeout = Checks.notNull(timeout, "timeout");
    return self();
  }

  /**
   * Bounds the attempts in flight, retries and hedges included, with {@code limit} (a permit per
   * attempt, taken just before the breaker); a refused attempt ends the call. Default: none.
   */
  public B concurrencyLimit(ConcurrencyLimit limit) {
    this.concurrencyLimit = Checks.notNull(limit, "concurrencyLimit");
    return self();
  }

  /** The clock for backoff, deadlines and timing. Default {@link Clock#system()}. */
  public B clock(Clock clock) {
    this.clock = Checks.notNull(clock, "clock");
    return self();
  }

  /** The scheduler for waits, hedges and timeouts. Default {@link Scheduler#system()}. */
  public B scheduler(Scheduler scheduler) {
    this.scheduler = Checks.notNull(scheduler, "scheduler");
    return self();
  }

  // Read by the adapters' constructors, which are not subclasses; reading a setting is harmless.

  /** The retry policy set so far, or null. */
  public final RetryPolicy retryPolicy() {
    return retry;
  }

  /** The hedge policy set so far, or null. */
  public final HedgePolicy hedgePolicy() {
    return hedge;
  }

  /** The circuit breaker set so far, or null. */
  public final CircuitBreaker circuitBreaker() {
    return circuitBreaker;
  }

  /** The per-attempt timeout set so far, or null. */
  public final Timeout timeout() {
    return timeout;
  }

  /** The concurrency limit set so far, or null. */
  public final ConcurrencyLimit concurrencyLimit() {
    return concurrencyLimit;
  }

  /** The clock set so far (default {@link Clock#system()}). */
  public final Clock clock() {
    return clock;
  }

  /** The scheduler set so far (default {@link Scheduler#system()}). */
  public final Scheduler scheduler() {
    return scheduler;
  }

  /**
   * A new pipeline builder holding the breaker, the timeout, the clock and the scheduler set so
   * far; the adapter adds the retry or the hedge it wants for a kind of call, and builds.
   */
  public final Pipeline.Builder guards() {
    Pipeline.Builder guards = Pipeline.builder().clock(clock).scheduler(scheduler);
    if (circuitBreaker != null) {
      guards.circuitBreaker(circuitBreaker);
    }
    if (timeout != null) {
      guards.timeout(timeout);
    }
    if (concurrencyLimit != null) {
      guards.concurrencyLimit(concurrencyLimit);
    }
    return guards;
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }
}
