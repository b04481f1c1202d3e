package dev.tailguard;

import dev.tailguard.event.ConcurrencyLimitChangedEvent;
import dev.tailguard.event.ConcurrencyLimitRefusedEvent;
import dev.tailguard.event.EventListener;
import dev.tailguard.internal.AdaptiveLimit;
import dev.tailguard.internal.Checks;
import dev.tailguard.internal.DefaultConcurrencyLimit;
import dev.tailguard.internal.GradientRule;
import dev.tailguard.internal.VegasRule;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Bounds how many attempts run against a backend at once: a bulkhead with a fixed number of
 * permits, or an adaptive limit that learns the backend's capacity from the latency it measures.
 *
 * <pre>{@code
 * ConcurrencyLimit fixed = ConcurrencyLimit.fixed(20).name("payments").maxWait(Duration.ofMillis(5)).build();
 * ConcurrencyLimit adaptive = ConcurrencyLimit.gradient().name("payments").build();   // or vegas()
 * Pipeline pipeline = Pipeline.builder().retry(policy).concurrencyLimit(adaptive).circuitBreaker(breaker).build();
 * }</pre>
 *
 * <p>Used by hand, every successful {@link #tryAcquire()} must be ended by exactly one of {@link
 * #onSuccess}, {@link #onDropped} or {@link #onIgnored} with the ticket it returned; {@link
 * Pipeline} does this for every attempt, cancelled ones included.
 *
 * <pre>{@code
 * long ticket = limit.tryAcquire();
 * if (ticket == ConcurrencyLimit.REFUSED) throw limit.refusal();
 * try { T result = call(); limit.onSuccess(ticket); return result; }
 * catch (IOException e) { limit.onDropped(ticket); throw e; }
 * }</pre>
 *
 * <p>A refusal is a {@link ConcurrencyLimitExceededException}, a {@link TailguardRejection}: the
 * default classifier never retries it, so a refused attempt ends the call instead of being retried
 * into the same limit. Each refusal fires the {@code onRefused} listeners.
 *
 * <p>Thread-safe and lock-free: the in-flight count is one atomic integer taken by CAS against the
 * current limit, the success path allocates nothing, and all time comes from the injected {@link
 * Clock} (the wait, from the injected {@link Scheduler}). Permits are not fair: a new attempt may
 * take a permit that a waiting one was about to get.
 *
 * @since 0.1
 */
public interface ConcurrencyLimit {

  /** The ticket {@link #tryAcquire()} returns when the limit refuses. */
  long REFUSED = Long.MIN_VALUE;

  /**
   * A bulkhead of {@code permits} concurrent attempts.
   *
   * @throws IllegalArgumentException if {@code permits} is below 1
   */
  static FixedBuilder fixed(int permits) {
    return new FixedBuilder(permits);
  }

  /**
   * An adaptive limit on a Gradient rule: the limit follows the ratio of the baseline latency to
   * the recent one (Netflix concurrency-limits' Gradient2, Envoy's adaptive concurrency filter).
   */
  static GradientBuilder gradient() {
    return new GradientBuilder();
  }

  /**
   * An adaptive limit on a Vegas rule: the limit grows while the estimated queue at the backend
   * is short and shrinks when it is long (TCP Vegas, as in Netflix concurrency-limits).
   */
  static VegasBuilder vegas() {
    return new VegasBuilder();
  }

  /**
   * Takes a permit if one is free, without waiting. A refusal counts in {@link #refusals()} and
   * fires the {@code onRefused} listeners.
   *
   * @return a ticket to end the attempt with, or {@link #REFUSED}
   */
  long tryAcquire();

  /**
   * Takes a permit, waiting up to {@link #maxWait()} for one on the limit's scheduler. Allocates;
   * meant for the slow path after {@link #tryAcquire()} refused.
   *
   * @return a future completed with the ticket, or exceptionally with {@link
   *     ConcurrencyLimitExceededException} when no permit came free in time; cancelling it gives
   *     up the wait (and the permit, if it had just been handed over)
   */
  CompletableFuture<Long> acquire();

  /** The attempt succeeded (or was answered): its latency is a sample; the permit is returned. */
  void onSuccess(long ticket);

  /**
   * The attempt failed in a way that says the backend is overloaded (a timeout, a retryable
   * failure): an adaptive limit shrinks; the permit is returned.
   */
  void onDropped(long ticket);

  /** The attempt says nothing about the backend (it was cancelled, or refused further in): the permit is returned, no sample. */
  void onIgnored(long ticket);

  /** Returns the exception a refusal is reported with, the limit's state at this moment in it. */
  ConcurrencyLimitExceededException refusal();

  /** Returns the current limit. */
  int limit();

  /** Returns the number of attempts holding a permit now. */
  int inFlight();

  /** Returns the number of refusals since the limit was built. */
  long refusals();

  /** Returns the longest an attempt waits for a permit before it is refused; zero means no wait. */
  Duration maxWait();

  /** Returns the name, for metrics and messages. */
  String name();

  /**
   * What every concurrency limit's builder shares. Not thread-safe.
   *
   * @param <B> the builder type
   */
  abstract class Builder<B extends Builder<B>> {
    String name = "concurrency-limit";
    Duration maxWait = Duration.ZERO;
    Clock clock = Clock.system();
    Scheduler scheduler = Scheduler.system();
    final List<EventListener<ConcurrencyLimitRefusedEvent>> refusedListeners = new ArrayList<>();
    final List<EventListener<ConcurrencyLimitChangedEvent>> changedListeners = new ArrayList<>();

    Builder() {}

    /** Sets the name used in metrics and messages. Default {@code "concurrency-limit"}. */
    public B name(String name) {
      Checks.notNull(name, "name");
      Checks.argument(!name.isEmpty(), "name must not be empty: '%s'", name);
      this.name = name;
      return self();
    }

    /**
     * Lets an attempt that finds no free permit wait up to {@code maxWait} for one before it is
     * refused. Default zero: refuse at once. A waiting synchronous attempt blocks its thread.
     *
     * @throws IllegalArgumentException if {@code maxWait} is negative
     */
    public B maxWait(Duration maxWait) {
      this.maxWait = Checks.nonNegative(maxWait, "maxWait");
      return self();
    }

    /** Sets the clock latencies are measured on. Default {@link Clock#system()}. */
    public B clock(Clock clock) {
      this.clock = Checks.notNull(clock, "clock");
      return self();
    }

    /** Sets the scheduler bounded waits time out on. Default {@link Scheduler#system()}. */
    public B scheduler(Scheduler scheduler) {
      this.scheduler = Checks.notNull(scheduler, "scheduler");
      return self();
    }

    /** Adds a listener for refusals; listeners add up. */
    public B onRefused(EventListener<ConcurrencyLimitRefusedEvent> listener) {
      refusedListeners.add(Checks.notNull(listener, "listener"));
      return self();
    }

    /** Adds a listener for changes of an adaptive limit (a fixed limit never changes); listeners add up. */
    public B onLimitChanged(EventListener<ConcurrencyLimitChangedEvent> listener) {
      changedListeners.add(Checks.notNull(listener, "listener"));
      return self();
    }

    /** Builds the limit. */
    public abstract ConcurrencyLimit build();

    DefaultConcurrencyLimit build(int initialLimit, AdaptiveLimit adaptive) {
      return new DefaultConcurrencyLimit(name, initialLimit, maxWait, clock, scheduler,
          List.copyOf(refusedListeners), List.copyOf(changedListeners), adaptive);
    }

    @SuppressWarnings("unchecked")
    final B self() {
      return (B) this;
    }
  }

  /** Builds a fixed limit (a bulkhead). */
  final class FixedBuilder extends Builder<FixedBuilder> {
    private final int permits;

    FixedBuilder(int permits) {
      Checks.argument(permits >= 1, "permits must be >= 1: %s", permits);
      this.permits = permits;
    }

    @Override
    public ConcurrencyLimit build() {
      return build(permits, null);
    }
  }

  /**
   * What the adaptive limits share: the bounds, the starting point, the sampling window and the
   * backoff on drops.
   *
   * @param <B> the builder type
   */
  abstract class AdaptiveBuilder<B extends AdaptiveBuilder<B>> extends Builder<B> {
    int initialLimit = 20;
    int minLimit = 1;
    int maxLimit = 1000;
    Duration window = Duration.ofMillis(100);
    int minSamples = 10;
    double backoffRatio = 0.9;
    int probeLimit = 3;

    AdaptiveBuilder() {}

    /**
     * During a probe the limit is pinned to {@code probeLimit} for one window, and the latency of
     * the attempts that started with fewer than that in flight becomes the unloaded baseline
     * (Envoy's adaptive concurrency filter measures its minRTT the same way, at {@code
     * min_concurrency}, default 3). Without it a limit that starts above the backend's knee never
     * sees the latency below it. A probe runs at the first window and then every {@code
     * probeWindows} (Vegas) or {@code baselineWindows} (Gradient) windows. Default 3.
     *
     * @throws IllegalArgumentException if below 1
     */
    public B probeLimit(int probeLimit) {
      Checks.argument(probeLimit >= 1, "probeLimit must be >= 1: %s", probeLimit);
      this.probeLimit = probeLimit;
      return self();
    }

    /** The limit to start from. Default 20. @throws IllegalArgumentException if below 1 */
    public B initialLimit(int initialLimit) {
      Checks.argument(initialLimit >= 1, "initialLimit must be >= 1: %s", initialLimit);
      this.initialLimit = initialLimit;
      return self();
    }

    /** The limit never goes below this. Default 1. @throws IllegalArgumentException if below 1 */
    public B minLimit(int minLimit) {
      Checks.argument(minLimit >= 1, "minLimit must be >= 1: %s", minLimit);
      this.minLimit = minLimit;
      return self();
    }

    /** The limit never goes above this. Default 1000. @throws IllegalArgumentException if below 1 */
    public B maxLimit(int maxLimit) {
      Checks.argument(maxLimit >= 1, "maxLimit must be >= 1: %s", maxLimit);
      this.maxLimit = maxLimit;
      return self();
    }

    /**
     * Samples are gathered for at least {@code window}, and at least {@code minSamples} of them,
     * before the limit is updated once from their aggregate. Default 100 ms and 10 samples.
     *
     * @throws IllegalArgumentException if {@code window} is not positive or {@code minSamples} is below 1
     */
    public B window(Duration window, int minSamples) {
      this.window = Checks.positive(window, "window");
      Checks.argument(minSamples >= 1, "minSamples must be >= 1: %s", minSamples);
      this.minSamples = minSamples;
      return self();
    }

    /**
     * A window with a dropped attempt (timeout, retryable failure) multiplies the limit by this.
     * Default 0.9.
     *
     * @throws IllegalArgumentException if not in (0, 1)
     */
    public B backoffRatio(double backoffRatio) {
      Checks.argument(backoffRatio > 0 && backoffRatio < 1, "backoffRatio must be in (0, 1): %s", backoffRatio);
      this.backoffRatio = backoffRatio;
      return self();
    }

    final void checkBounds() {
      Checks.state(minLimit <= maxLimit, "minLimit (%s) must be <= maxLimit (%s)", minLimit, maxLimit);
      Checks.state(initialLimit >= minLimit && initialLimit <= maxLimit,
          "initialLimit (%s) must be within minLimit (%s) and maxLimit (%s)", initialLimit, minLimit, maxLimit);
    }
  }

  /**
   * Builds a Gradient limit. Each window: {@code gradient = clamp(tolerance * baseline / recent,
   * 0.5, 1)}, {@code target = limit * gradient + queueSize}, {@code limit += smoothing * (target -
   * limit)}. The recent latency is the window's mean; the baseline is the mean latency a probe
   * measured at {@link #probeLimit(int) probeLimit} in flight (every {@code baselineWindows}
   * windows), and follows lower window means between probes, never higher ones.
   */
  final class GradientBuilder extends AdaptiveBuilder<GradientBuilder> {
    double tolerance = 1.5;
    double smoothing = 0.2;
    int queueSize = 4;
    int baselineWindows = 600;

    GradientBuilder() {}

    /** How far the recent latency may exceed the baseline before the limit shrinks. Default 1.5. @throws IllegalArgumentException if below 1 */
    public GradientBuilder tolerance(double tolerance) {
      Checks.argument(tolerance >= 1 && Double.isFinite(tolerance), "tolerance must be >= 1: %s", tolerance);
      this.tolerance = tolerance;
      return this;
    }

    /** How far each window moves the limit toward its target. Default 0.2. @throws IllegalArgumentException if not in (0, 1] */
    public GradientBuilder smoothing(double smoothing) {
      Checks.argument(smoothing > 0 && smoothing <= 1, "smoothing must be in (0, 1]: %s", smoothing);
      this.smoothing = smoothing;
      return this;
    }

    /** Headroom added to the target so the limit can probe upward. Default 4. @throws IllegalArgumentException if negative */
    public GradientBuilder queueSize(int queueSize) {
      Checks.argument(queueSize >= 0, "queueSize must be >= 0: %s", queueSize);
      this.queueSize = queueSize;
      return this;
    }

    /** Every this many windows a probe measures the baseline afresh. Default 600 (a minute at the default window, as Envoy's min_rtt_calc interval). @throws IllegalArgumentException if below 1 */
    public GradientBuilder baselineWindows(int baselineWindows) {
      Checks.argument(baselineWindows >= 1, "baselineWindows must be >= 1: %s", baselineWindows);
      this.baselineWindows = baselineWindows;
      return this;
    }

    @Override
    public ConcurrencyLimit build() {
      checkBounds();
      return build(initialLimit, new AdaptiveLimit(new GradientRule(tolerance, smoothing, queueSize),
          minLimit, maxLimit, window, minSamples, backoffRatio, baselineWindows, probeLimit));
    }
  }

  /**
   * Builds a Vegas limit. Each window: {@code queue = limit * (1 - baseline / recent)} with the
   * window's lowest latency as recent and the lowest a probe measured at {@link #probeLimit(int)
   * probeLimit} in flight (or lower since) as baseline; below {@code alpha * log10(limit)} the
   * limit grows by {@code log10(limit)}, above {@code beta * log10(limit)} it shrinks by as much
   * ({@code log10} taken as at least 1). Every {@code probeWindows} windows a probe measures the
   * baseline afresh, so that a backend that became slower for good is learnt.
   */
  final class VegasBuilder extends AdaptiveBuilder<VegasBuilder> {
    double alpha = 3;
    double beta = 6;
    int probeWindows = 100;

    VegasBuilder() {}

    /** Below {@code alpha * log10(limit)} queued attempts the limit grows. Default 3. @throws IllegalArgumentException if negative */
    public VegasBuilder alpha(double alpha) {
      Checks.argument(alpha >= 0 && Double.isFinite(alpha), "alpha must be >= 0: %s", alpha);
      this.alpha = alpha;
      return this;
    }

    /** Above {@code beta * log10(limit)} queued attempts the limit shrinks. Default 6. @throws IllegalArgumentException if negative */
    public VegasBuilder beta(double beta) {
      Checks.argument(beta >= 0 && Double.isFinite(beta), "beta must be >= 0: %s", beta);
      this.beta = beta;
      return this;
    }

    /** Every this many windows a probe measures the baseline latency afresh. Default 100. @throws IllegalArgumentException if below 1 */
    public VegasBuilder probeWindows(int probeWindows) {
      Checks.argument(probeWindows >= 1, "probeWindows must be >= 1: %s", probeWindows);
      this.probeWindows = probeWindows;
      return this;
    }

    @Override
    public ConcurrencyLimit build() {
      checkBounds();
      Checks.state(alpha <= beta, "alpha (%s) must be <= beta (%s)", alpha, beta);
      return build(initialLimit, new AdaptiveLimit(new VegasRule(alpha, beta),
          minLimit, maxLimit, window, minSamples, backoffRatio, probeWindows, probeLimit));
    }
  }
}
