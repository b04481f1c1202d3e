package dev.tailguard;

import dev.tailguard.event.CircuitRejectedEvent;
import dev.tailguard.event.CircuitStateEvent;
import dev.tailguard.event.EventListener;
import dev.tailguard.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a {@link CircuitBreaker} decides to open and close.
 *
 * <pre>{@code
 * CircuitBreakerConfig config = CircuitBreakerConfig.builder("payments")
 *     .failureRateThreshold(0.5)                         // open at 50% failures...
 *     .minimumCalls(20)                                  // ...once 20 calls are in the window
 *     .countWindow(100)                                  // the last 100 calls
 *     .slowCall(Duration.ofSeconds(2), 0.8)              // or at 80% calls slower than 2 s
 *     .openDuration(Duration.ofSeconds(10))
 *     .halfOpen(3, 3, Duration.ofSeconds(20))            // 3 trials, 3 successes close it
 *     .build();
 * }</pre>
 *
 * <p>Trip conditions, any of which opens a CLOSED breaker once the window holds {@code
 * minimumCalls}: failure rate ≥ {@code failureRateThreshold}; slow-call rate ≥ {@code
 * slowCallRateThreshold} (a call slower than {@code slowCallDuration} is slow whatever its
 * outcome); failures ≥ {@code failureCountThreshold}. These cover Sentinel's error-ratio,
 * slow-ratio and error-count strategies and Hystrix's error percentage.
 *
 * <p>Defaults: failure rate 0.5; slow-call tracking off; failure count off; minimum 10 calls; a
 * count window of 100 calls; open 10 s; half-open admits 3 trial calls, closes after 3 successes,
 * and reclaims a trial permit not reported within 10 s. Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class CircuitBreakerConfig {
  /** The kinds of sliding window. */
  public enum WindowType {
    /** The last N calls. */
    COUNT,
    /** The calls of the last duration, in buckets. */
    TIME
  }

  private final String name;
  private final double failureRateThreshold;
  private final double slowCallRateThreshold;
  private final Duration slowCallDuration;
  private final int failureCountThreshold;
  private final int minimumCalls;
  private final WindowType windowType;
  private final int windowSize;
  private final Duration windowDuration;
  private final int windowBuckets;
  private final Duration openDuration;
  private final Backoff openBackoff;
  private final int permittedCallsInHalfOpen;
  private final int successesToClose;
  private final Duration maxWaitInHalfOpen;
  private final double adaptiveK;
  private final List<EventListener<CircuitStateEvent>> stateListeners;
  private final List<EventListener<CircuitRejectedEvent>> rejectionListeners;

  private CircuitBreakerConfig(Builder b) {
    this.name = b.name;
    this.failureRateThreshold = b.failureRateThreshold;
    this.slowCallRateThreshold = b.slowCallRateThreshold;
    this.slowCallDuration = b.slowCallDuration;
    this.failureCountThreshold = b.failureCountThreshold;
    this.minimumCalls = b.minimumCalls;
    this.windowType = b.windowType;
    this.windowSize = b.windowSize;
    this.windowDuration = b.windowDuration;
    this.windowBuckets = b.windowBuckets;
    this.openDuration = b.openDuration;
    this.openBackoff = b.openBackoff;
    this.permittedCallsInHalfOpen = b.permittedCallsInHalfOpen;
    this.successesToClose = b.successesToClose;
    this.maxWaitInHalfOpen = b.maxWaitInHalfOpen;
    this.adaptiveK = b.adaptiveK;
    this.stateListeners = List.copyOf(b.stateListeners);
    this.rejectionListeners = List.copyOf(b.rejectionListeners);
  }

  /** Starts a builder for a breaker with the given name (used in messages and events). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public double failureRateThreshold() {
    return failureRateThreshold;
  }

  public double slowCallRateThreshold() {
    return slowCallRateThreshold;
  }

  /** Returns the duration above which a call is slow; empty when slow-call tracking is off. */
  public Optional<Duration> slowCallDuration() {
    return Optional.ofNullable(slowCallDuration);
  }

  /** Returns the failure count that opens the breaker; 0 when off. */
  public int failureCountThreshold() {
    return failureCountThreshold;
  }

  public int minimumCalls() {
    return minimumCalls;
  }

  public WindowType windowType() {
    return windowType;
  }

  /** Returns the count window's size (COUNT). */
  public int windowSize() {
    return windowSize;
  }

  /** Returns the time window's duration (TIME). */
  public Duration windowDuration() {
    return windowDuration;
  }

  public int windowBuckets() {
    return windowBuckets;
  }

  /** Returns the fixed open duration, used when no open backoff is set. */
  public Duration openDuration() {
    return openDuration;
  }

  /** Returns the backoff that sets the n-th consecutive open duration, if set. */
  public Optional<Backoff> openBackoff() {
    return Optional.ofNullable(openBackoff);
  }

  public int permittedCallsInHalfOpen() {
    return permittedCallsInHalfOpen;
  }

  public int successesToClose() {
    return successesToClose;
  }

  public Duration maxWaitInHalfOpen() {
    return maxWaitInHalfOpen;
  }

  /** Returns K for the adaptive (SRE) mode, or 0 when the classic state machine is used. */
  public double adaptiveK() {
    return adaptiveK;
  }

  public List<EventListener<CircuitStateEvent>> stateListeners() {
    return stateListeners;
  }

  public List<EventListener<CircuitRejectedEvent>> rejectionListeners() {
    return rejectionListeners;
  }

  @Override
  public String toString() {
    return "CircuitBreakerConfig{" + name + ", failureRate>=" + failureRateThreshold + ", minimumCalls=" + minimumCalls
        + ", window=" + (windowType == WindowType.COUNT ? windowSize + " calls" : windowDuration) + ", open=" + (openBackoff != null ? openBackoff : openDuration)
        + ", halfOpen=" + permittedCallsInHalfOpen + "/" + successesToClose + (adaptiveK > 0 ? ", adaptive K=" + adaptiveK : "") + "}";
  }

  /** Builds a {@link CircuitBreakerConfig}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private double failureRateThreshold = 0.5;
    private double slowCallRateThreshold = 1.0;
    private Duration slowCallDuration;
    private int failureCountThreshold;
    private int minimumCalls = 10;
    private WindowType windowType = WindowType.COUNT;
    private int windowSize = 100;
    private Duration windowDuration = Duration.ofSeconds(10);
    private int windowBuckets = 10;
    private Duration openDuration = Duration.ofSeconds(10);
    private Backoff openBackoff;
    private int permittedCallsInHalfOpen = 3;
    private int successesToClose = 3;
    private Duration maxWaitInHalfOpen = Duration.ofSeconds(10);
    private double adaptiveK;
    private final List<EventListener<CircuitStateEvent>> stateListeners = new ArrayList<>();
    private final List<EventListener<CircuitRejectedEvent>> rejectionListeners = new ArrayList<>();

    private Builder(String name) {
      this.name = Checks.notNull(name, "name");
    }

    /** Opens at this failure rate, in (0, 1]. Default 0.5. */
    public Builder failureRateThreshold(double threshold) {
      Checks.argument(threshold > 0 && threshold <= 1, "failureRateThreshold must be in (0, 1]: %s", threshold);
      this.failureRateThreshold = threshold;
      return this;
    }

    /**
     * Tracks slow calls: a call longer than {@code duration} is slow whatever its outcome, and the
     * breaker opens when slow calls reach {@code rateThreshold} of the window. Costs two clock
     * reads per call; off by default.
     */
    public Builder slowCall(Duration duration, double rateThreshold) {
      this.slowCallDuration = Checks.positive(duration, "slowCallDuration");
      Checks.argument(rateThreshold > 0 && rateThreshold <= 1, "slowCallRateThreshold must be in (0, 1]: %s", rateThreshold);
      this.slowCallRateThreshold = rateThreshold;
      return this;
    }

    /** Also opens once the window holds this many failures; 0 turns it off (default). */
    public Builder failureCountThreshold(int count) {
      Checks.argument(count >= 0, "failureCountThreshold must be >= 0: %s", count);
      this.failureCountThreshold = count;
      return this;
    }

    /** Calls the window must hold before the breaker may open, >= 1. Default 10. */
    public Builder minimumCalls(int minimumCalls) {
      Checks.argument(minimumCalls >= 1, "minimumCalls must be >= 1: %s", minimumCalls);
      this.minimumCalls = minimumCalls;
      return this;
    }

    /** Uses a window of the last {@code size} calls, in [1, 1_000_000]. Default 100. */
    public Builder countWindow(int size) {
      Checks.argument(size >= 1 && size <= 1_000_000, "windowSize must be in [1, 1000000]: %s", size);
      this.windowType = WindowType.COUNT;
      this.windowSize = size;
      return this;
    }

    /** Uses a window of the calls of the last {@code duration}, kept in {@code buckets} buckets. */
    public Builder timeWindow(Duration duration, int buckets) {
      Checks.positive(duration, "windowDuration");
      Checks.argument(buckets >= 1 && buckets <= 1000, "windowBuckets must be in [1, 1000]: %s", buckets);
      Checks.argument(dev.tailguard.internal.Durations.toNanosSaturated(duration) >= buckets, "windowDuration must be >= 1ns per bucket: %s", duration);
      this.windowType = WindowType.TIME;
      this.windowDuration = duration;
      this.windowBuckets = buckets;
      return this;
    }

    /** Stays open this long before allowing trial calls. Default 10 s. */
    public Builder openDuration(Duration duration) {
      this.openDuration = Checks.positive(duration, "openDuration");
      this.openBackoff = null;
      return this;
    }

    /**
     * Takes the n-th consecutive open duration from a backoff, so a breaker that re-opens right
     * after half-open stays open longer each time. Reset when it closes.
     */
    public Builder openBackoff(Backoff backoff) {
      this.openBackoff = Checks.notNull(backoff, "openBackoff");
      return this;
    }

    /**
     * Sets half-open behaviour: exactly {@code permittedCalls} trial calls pass; {@code
     * successesToClose} of them must succeed to close; a trial not reported within {@code
     * maxWait} gives its permit back, so a hung probe cannot wedge the breaker.
     */
    public Builder halfOpen(int permittedCalls, int successesToClose, Duration maxWait) {
      Checks.argument(permittedCalls >= 1 && permittedCalls <= 1000, "permittedCallsInHalfOpen must be in [1, 1000]: %s", permittedCalls);
      Checks.argument(successesToClose >= 1, "successesToClose must be >= 1: %s", successesToClose);
      this.permittedCallsInHalfOpen = permittedCalls;
      this.successesToClose = successesToClose;
      this.maxWaitInHalfOpen = Checks.positive(maxWait, "maxWaitInHalfOpen");
      return this;
    }

    /**
     * Replaces the state machine with Google SRE probabilistic rejection (as go-zero does): the
     * breaker stays CLOSED and rejects with probability max(0, (requests − K·accepts)/(requests +
     * 1)) over the time window. K >= 1.
     */
    public Builder adaptive(double k) {
      Checks.argument(k >= 1 && k < Double.POSITIVE_INFINITY, "k must be finite and >= 1: %s", k);
      this.adaptiveK = k;
      return this;
    }

    /** Adds a listener for state changes. */
    public Builder onStateChange(EventListener<CircuitStateEvent> listener) {
      stateListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /** Adds a listener for rejected calls. */
    public Builder onRejected(EventListener<CircuitRejectedEvent> listener) {
      rejectionListeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the config.
     *
     * @throws IllegalStateException if settings contradict each other
     */
    public CircuitBreakerConfig build() {
      Checks.state(windowType != WindowType.COUNT || minimumCalls <= windowSize,
          "minimumCalls (%s) must be <= windowSize (%s)", minimumCalls, windowSize);
      Checks.state(successesToClose <= permittedCallsInHalfOpen,
          "successesToClose (%s) must be <= permittedCallsInHalfOpen (%s)", successesToClose, permittedCallsInHalfOpen);
      return new CircuitBreakerConfig(this);
    }
  }
}
