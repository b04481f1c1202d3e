package dev.tailguard;

import dev.tailguard.event.BudgetExhaustedEvent;
import dev.tailguard.event.EventListener;
import dev.tailguard.internal.AdaptiveThrottle;
import dev.tailguard.internal.Checks;
import dev.tailguard.internal.RatioBudget;
import dev.tailguard.internal.ThreadLocalRandomGenerator;
import dev.tailguard.internal.TokenBucketBudget;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A shared limit on extra attempts, so that retries and hedges cannot turn an overload into a
 * storm. One budget gates retries and hedges alike; share one per backend (or per client), not
 * per call.
 *
 * <pre>{@code
 * RetryBudget budget = RetryBudget.tokenBucket().maxTokens(10).tokenRatio(0.1).build();  // gRPC A6
 * RetryPolicy policy = RetryPolicy.builder().admission(budget).build();
 * }</pre>
 *
 * <p>Three kinds:
 *
 * <ul>
 *   <li>{@link #tokenBucket()}: gRFC A6 {@code retryThrottling}. A failed attempt costs one token,
 *       a success adds {@code tokenRatio}; retries and hedges are allowed only while tokens exceed
 *       half of {@code maxTokens}. It stops retrying once failures pass about {@code
 *       tokenRatio/(1+tokenRatio)} of attempts (9% for 0.1).
 *   <li>{@link #ratio()}: Finagle's RetryBudget. Retries may be at most {@code percentCanRetry} of
 *       the requests of the last {@code ttl}, plus a floor of {@code minRetriesPerSecond} so that
 *       quiet clients can still retry.
 *   <li>{@link #adaptiveThrottle()}: Google SRE client-side throttling. Every attempt, first or
 *       not, is rejected locally with probability {@code max(0, (requests − K·accepts) /
 *       (requests + 1))} over a sliding window.
 * </ul>
 *
 * <p>All three are thread-safe, lock-free on the hot path, and read time only from their {@link
 * Clock}. A denial is published to the {@code onDenied} listeners and surfaces as {@link
 * BudgetExhaustedException}, carrying {@link #state()}.
 *
 * @since 0.1
 */
public interface RetryBudget extends RetryAdmission {

  /** Starts a gRPC A6 token bucket: defaults {@code maxTokens} 10, {@code tokenRatio} 0.1. */
  static TokenBucketBuilder tokenBucket() {
    return new TokenBucketBuilder();
  }

  /**
   * Starts a Finagle-style ratio budget: defaults {@code percentCanRetry} 0.2, {@code
   * minRetriesPerSecond} 10, {@code ttl} 10 s.
   */
  static RatioBuilder ratio() {
    return new RatioBuilder();
  }

  /** Starts an SRE adaptive throttle: defaults {@code k} 2, {@code window} 10 s. */
  static AdaptiveThrottleBuilder adaptiveThrottle() {
    return new AdaptiveThrottleBuilder();
  }

  /** The settings every budget kind shares. */
  abstract class Builder<B extends Builder<B>> {
    Clock clock = Clock.system();
    final List<EventListener<BudgetExhaustedEvent>> deniedListeners = new ArrayList<>();

    Builder() {}

    @SuppressWarnings("unchecked")
    B self() {
      return (B) this;
    }

    /** Sets the clock that drives time windows. Default {@link Clock#system()}. */
    public B clock(Clock clock) {
      this.clock = Checks.notNull(clock, "clock");
      return self();
    }

    /** Adds a listener for denials; earlier listeners are kept. */
    public B onDenied(EventListener<BudgetExhaustedEvent> listener) {
      deniedListeners.add(Checks.notNull(listener, "listener"));
      return self();
    }

    /** Returns the registered denial listeners. Used by the implementations. */
    public List<EventListener<BudgetExhaustedEvent>> deniedListeners() {
      return List.copyOf(deniedListeners);
    }

    /** Returns the clock. Used by the implementations. */
    public Clock clock() {
      return clock;
    }

    /** Builds the budget. */
    public abstract RetryBudget build();
  }

  /** Builds a gRPC A6 token bucket. */
  final class TokenBucketBuilder extends Builder<TokenBucketBuilder> {
    private int maxTokens = 10;
    private double tokenRatio = 0.1;

    TokenBucketBuilder() {}

    /**
     * Sets the bucket's size, in (0, 1000] as gRFC A6 requires. Default 10.
     *
     * @throws IllegalArgumentException if out of range
     */
    public TokenBucketBuilder maxTokens(int maxTokens) {
      Checks.argument(maxTokens > 0 && maxTokens <= 1000, "maxTokens must be in (0, 1000]: %s", maxTokens);
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Sets the tokens a success adds, > 0 and finite; kept to 3 decimal places. Default 0.1.
     *
     * @throws IllegalArgumentException if not positive or not finite
     */
    public TokenBucketBuilder tokenRatio(double tokenRatio) {
      Checks.argument(tokenRatio > 0 && tokenRatio < Double.POSITIVE_INFINITY, "tokenRatio must be finite and > 0: %s", tokenRatio);
      this.tokenRatio = tokenRatio;
      return this;
    }

    public int maxTokens() {
      return maxTokens;
    }

    public double tokenRatio() {
      return tokenRatio;
    }

    @Override
    public RetryBudget build() {
      return new TokenBucketBudget(this);
    }
  }

  /** Builds a Finagle-style ratio budget. */
  final class RatioBuilder extends Builder<RatioBuilder> {
    private double percentCanRetry = 0.2;
    private int minRetriesPerSecond = 10;
    private Duration ttl = Duration.ofSeconds(10);

    RatioBuilder() {}

    /**
     * Sets the share of requests that may be retried, in [0, 1000] (Finagle allows more than 1).
     * Default 0.2.
     *
     * @throws IllegalArgumentException if out of range or NaN
     */
    public RatioBuilder percentCanRetry(double percentCanRetry) {
      Checks.argument(percentCanRetry >= 0 && percentCanRetry <= 1000, "percentCanRetry must be in [0, 1000]: %s", percentCanRetry);
      this.percentCanRetry = percentCanRetry;
      return this;
    }

    /**
     * Sets the retries per second always allowed, >= 0. Default 10.
     *
     * @throws IllegalArgumentException if negative
     */
    public RatioBuilder minRetriesPerSecond(int minRetriesPerSecond) {
      Checks.argument(minRetriesPerSecond >= 0, "minRetriesPerSecond must be >= 0: %s", minRetriesPerSecond);
      this.minRetriesPerSecond = minRetriesPerSecond;
      return this;
    }

    /**
     * Sets how long a request's deposit lasts, in [1 s, 60 s] as in Finagle. Default 10 s.
     *
     * @throws IllegalArgumentException if out of range
     */
    public RatioBuilder ttl(Duration ttl) {
      Checks.notNull(ttl, "ttl");
      Checks.argument(ttl.compareTo(Duration.ofSeconds(1)) >= 0 && ttl.compareTo(Duration.ofSeconds(60)) <= 0, "ttl must be in [1s, 60s]: %s", ttl);
      this.ttl = ttl;
      return this;
    }

    public double percentCanRetry() {
      return percentCanRetry;
    }

    public int minRetriesPerSecond() {
      return minRetriesPerSecond;
    }

    public Duration ttl() {
      return ttl;
    }

    @Override
    public RetryBudget build() {
      return new RatioBudget(this);
    }
  }

  /** Builds an SRE adaptive throttle. */
  final class AdaptiveThrottleBuilder extends Builder<AdaptiveThrottleBuilder> {
    private double k = 2.0;
    private Duration window = Duration.ofSeconds(10);
    private RandomGenerator random = ThreadLocalRandomGenerator.INSTANCE;

    AdaptiveThrottleBuilder() {}

    /**
     * Sets K: how many requests per accepted request the client may send before it throttles
     * itself; >= 1, finite. Lower is more aggressive. Default 2 (the SRE book's).
     *
     * @throws IllegalArgumentException if below 1 or not finite
     */
    public AdaptiveThrottleBuilder k(double k) {
      Checks.argument(k >= 1 && k < Double.POSITIVE_INFINITY, "k must be finite and >= 1: %s", k);
      this.k = k;
      return this;
    }

    /**
     * Sets the sliding window over which requests and accepts are counted, >= 1 s. Default 10 s.
     *
     * @throws IllegalArgumentException if shorter than 1 s
     */
    public AdaptiveThrottleBuilder window(Duration window) {
      Checks.notNull(window, "window");
      Checks.argument(window.compareTo(Duration.ofSeconds(1)) >= 0, "window must be >= 1s: %s", window);
      this.window = window;
      return this;
    }

    /** Sets the randomness behind rejections. Default {@code ThreadLocalRandom}. */
    public AdaptiveThrottleBuilder random(RandomGenerator random) {
      this.random = Checks.notNull(random, "random");
      return this;
    }

    public double k() {
      return k;
    }

    public Duration window() {
      return window;
    }

    public RandomGenerator random() {
      return random;
    }

    @Override
    public RetryBudget build() {
      return new AdaptiveThrottle(this);
    }
  }
}
