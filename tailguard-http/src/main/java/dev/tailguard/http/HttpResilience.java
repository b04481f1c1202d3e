package dev.tailguard.http;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Jitter;
import dev.tailguard.Keyed;
import dev.tailguard.RetryAdmission;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Timeout;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Complete HTTP pipelines with defaults a caller can take blind: {@link #standard()} retries,
 * {@link #standardHedging()} hedges; both keep one circuit breaker per endpoint (scheme and
 * authority), in a bounded {@link Keyed} holder.
 *
 * <pre>{@code
 * HttpClient client = HttpResilience.standard().build().client(HttpClient.newHttpClient());
 * HttpClient hedged = HttpResilience.standardHedging().build().client(HttpClient.newHttpClient());
 * }</pre>
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>setting</th><th>{@code standard()}</th><th>{@code standardHedging()}</th></tr>
 *   <tr><td>{@link Builder#totalDeadline}</td><td>30 s</td><td>30 s</td></tr>
 *   <tr><td>{@link Builder#maxAttempts}</td><td>4 (3 retries)</td><td>2 (1 hedge)</td></tr>
 *   <tr><td>{@link Builder#backoff}</td><td>exponential 200 ms to 10 s, full jitter</td><td>-</td></tr>
 *   <tr><td>{@link Builder#hedgeBudget}</td><td>-</td><td>adaptive delay at the recent p95 (budget 0.05) per endpoint</td></tr>
 *   <tr><td>{@link Builder#hedgeDelay}</td><td>-</td><td>none: the adaptive delay above; set, a fixed delay</td></tr>
 *   <tr><td>{@link Builder#budget}</td><td>one token bucket (10 tokens, ratio 0.1) shared by every endpoint</td>
 *       <td>one ratio budget (5% of requests + 10/s) shared by every endpoint</td></tr>
 *   <tr><td>breaker per endpoint ({@link Builder#breaker})</td><td colspan="2">opens at a 50% failure rate
 *       over a 30 s window of at least 20 calls; open 5 s; 3 half-open trials</td></tr>
 *   <tr><td>{@link Builder#attemptTimeout}</td><td colspan="2">10 s per attempt</td></tr>
 *   <tr><td>endpoints kept</td><td colspan="2">1000 ({@link Builder#maxEndpoints}), forgotten after 10 min idle
 *       ({@link Builder#endpointIdleExpiry})</td></tr>
 * </table>
 *
 * <p>{@code Retry-After} and the other server hints, the statuses retried, and what may be sent
 * twice (GET, HEAD, OPTIONS, PUT, DELETE, TRACE; POST and PATCH only with a key) are the
 * adapters' own rules: see {@link ResilientHttpClient}.
 *
 * <p>Instances are immutable and thread-safe; share one per application (or per group of
 * backends sharing a budget). Builders are not thread-safe.
 *
 * @since 0.1
 */
public final class HttpResilience {
  /** Which pipeline. */
  public enum Kind {
    /** Retries under a shared token-bucket budget. */
    STANDARD,
    /** Hedges with an adaptive delay per endpoint under a shared 5% budget. */
    STANDARD_HEDGING
  }

  /** The default total deadline of a call, all attempts and waits together. */
  public static final Duration DEFAULT_TOTAL_DEADLINE = Duration.ofSeconds(30);
  /** The default per-attempt timeout. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
  /** The default attempts of {@link #standard()}, the first one counted. */
  public static final int DEFAULT_MAX_ATTEMPTS = 4;
  /** The default attempts of {@link #standardHedging()}, the original counted. */
  public static final int DEFAULT_MAX_HEDGED_ATTEMPTS = 2;
  /** The default hedge budget: the share of requests that may be hedged. */
  public static final double DEFAULT_HEDGE_BUDGET = 0.05;

  private final Kind kind;
  private final Duration totalDeadline;
  private final int maxAttempts;
  private final Backoff backoff;
  private final RetryAdmission budget;
  private final double hedgeBudget;
  private final Duration hedgeDelay;
  private final Timeout attemptTimeout;
  private final Consumer<CircuitBreakerConfig.Builder> breakerSettings;
  private final HttpStatusPolicy retryableStatuses;
  private final boolean serverHonoursIdempotencyKey;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Consumer<Endpoint> onNewEndpoint;
  private final Keyed<String, Endpoint> endpoints;

  private HttpResilience(Builder b) {
    this.kind = b.kind;
    this.totalDeadline = b.totalDeadline;
    this.maxAttempts = b.maxAttempts;
    this.backoff = b.backoff;
    this.hedgeBudget = b.hedgeBudget;
    this.hedgeDelay = b.hedgeDelay;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.budget = b.budget != null ? b.budget
        : kind == Kind.STANDARD ? RetryBudget.tokenBucket().clock(clock).build()
        : RetryBudget.ratio().percentCanRetry(hedgeBudget).clock(clock).build();
    this.attemptTimeout = b.attemptTimeout == null ? null : Timeout.of(b.attemptTimeout);
    this.breakerSettings = b.breakerSettings;
    this.retryableStatuses = b.retryableStatuses;
    this.serverHonoursIdempotencyKey = b.serverHonoursIdempotencyKey;
    this.onNewEndpoint = b.onNewEndpoint;
    this.endpoints = Keyed.<String, Endpoint>builder(this::newEndpoint)
        .maxSize(b.maxEndpoints).idleExpiry(b.endpointIdleExpiry).clock(clock).build();
  }

  /** Starts the retrying pipeline's builder, every setting at its default (see the class table). */
  public static Builder standard() {
    return new Builder(Kind.STANDARD);
  }

  /** Starts the hedging pipeline's builder, every setting at its default (see the class table). */
  public static Builder standardHedging() {
    return new Builder(Kind.STANDARD_HEDGING);
  }

  /**
   * The endpoint of {@code uri}: lower-case scheme and host and the port, the default one made
   * explicit ({@code https://api.example.com:443}); path, query and user-info never count, so
   * metrics and breakers are per backend, never per URL or user.
   *
   * @throws IllegalArgumentException if {@code uri} has no scheme or host
   */
  public static String endpointOf(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme();
    String host = uri.getHost();
    // A relative or opaque URI names no backend to guard.
    if (scheme == null || host == null) {
      throw new IllegalArgumentException("uri must be absolute with a host: " + Redaction.uri(uri));
    }
    scheme = scheme.toLowerCase(Locale.ROOT);
    int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : "http".equals(scheme) ? 80 : -1;
    return scheme + "://" + host.toLowerCase(Locale.ROOT) + (port >= 0 ? ":" + port : "");
  }

  /** The endpoint {@code uri} goes to, made on first use (and again once it was idle too long). */
  public Endpoint endpoint(URI uri) {
    return endpoints.get(endpointOf(uri));
  }

  /** Every endpoint held now (for metrics and the actuator). */
  public Keyed<String, Endpoint> endpoints() {
    return endpoints;
  }

  /**
   * A JDK client that sends each request through the pipeline of its endpoint, on {@code
   * delegate}. The per-endpoint clients are kept as the endpoints are.
   */
  public HttpClient client(HttpClient delegate) {
    return new EndpointHttpClient(this, Objects.requireNonNull(delegate, "delegate"));
  }

  /**
   * A {@link ResilientHttpClient} for one endpoint on {@code delegate}: its breaker, this
   * pipeline's retry or hedge, the attempt timeout, statuses and key setting.
   */
  public ResilientHttpClient client(HttpClient delegate, Endpoint endpoint) {
    ResilientHttpClient.Builder builder = applyTo(ResilientHttpClient.builder().client(delegate), endpoint)
        .retryableStatuses(retryableStatuses)
        .serverHonoursIdempotencyKey(serverHonoursIdempotencyKey);
    if (endpoint.hedgePolicy() != null) {
      builder.hedge(endpoint.hedgePolicy());
    }
    return builder.build();
  }

  /**
   * Sets on any adapter's builder what every adapter shares: the endpoint's breaker, the retry
   * policy (for {@link Kind#STANDARD}; a hedge policy must be set with the adapter's own {@code
   * hedge(endpoint.hedgePolicy())}), the attempt timeout, the clock and the scheduler.
   */
  public <B extends AdapterBuilder<B>> B applyTo(B builder, Endpoint endpoint) {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(endpoint, "endpoint");
    builder.circuitBreaker(endpoint.breaker()).clock(clock).scheduler(scheduler);
    if (endpoint.retryPolicy() != null) {
      builder.retry(endpoint.retryPolicy());
    }
    if (attemptTimeout != null) {
      builder.timeout(attemptTimeout);
    }
    return builder;
  }

  private Endpoint newEndpoint(String name) {
    CircuitBreakerConfig.Builder config = CircuitBreakerConfig.builder(name)
        .failureRateThreshold(0.5).minimumCalls(20).timeWindow(Duration.ofSeconds(30), 10)
        .openDuration(Duration.ofSeconds(5));
    breakerSettings.accept(config);
    CircuitBreaker breaker = CircuitBreaker.of(config.build(), clock);
    Endpoint endpoint;
    if (kind == Kind.STANDARD) {
      RetryPolicy retry = RetryPolicy.builder().maxAttempts(maxAttempts).backoff(backoff)
          .deadline(totalDeadline).admission(budget).build();
      endpoint = new Endpoint(name, breaker, retry, null, null);
    } else {
      HedgeDelay delay = hedgeDelay != null ? HedgeDelay.fixed(hedgeDelay) : HedgeDelay.adaptive(hedgeBudget).clock(clock).build();
      HedgePolicy hedge = HedgePolicy.builder(delay).maxAttempts(maxAttempts).deadline(totalDeadline).admission(budget).build();
      endpoint = new Endpoint(name, breaker, null, hedge, delay);
    }
    onNewEndpoint.accept(endpoint);
    return endpoint;
  }

  /** Which pipeline this is. */
  public Kind kind() {
    return kind;
  }

  /** The budget every endpoint's retries or hedges share. */
  public RetryAdmission budget() {
    return budget;
  }

  /** The per-attempt timeout, or null when there is none. */
  public Timeout attemptTimeout() {
    return attemptTimeout;
  }

  /** The statuses retried (and hedged again at once). */
  public HttpStatusPolicy retryableStatuses() {
    return retryableStatuses;
  }

  /** Whether keyless POST and PATCH get a key and are retried (see {@link ResilientHttpClient.Builder#serverHonoursIdempotencyKey}). */
  public boolean serverHonoursIdempotencyKey() {
    return serverHonoursIdempotencyKey;
  }

  /** The clock everything runs on. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler for waits, hedges and timeouts. */
  public Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public String toString() {
    return "HttpResilience{" + kind + ", deadline=" + totalDeadline + ", maxAttempts=" + maxAttempts
        + ", budget=" + budget + ", attemptTimeout=" + attemptTimeout + ", endpoints=" + endpoints + "}";
  }

  /**
   * One endpoint's policies: its own breaker and, when hedging, its own adaptive delay (latencies
   * differ per backend); the budget is the pipeline's, shared. Equal only to itself, so that a
   * holder keyed by it makes a fresh client when the endpoint was evicted and made again.
   */
  public static final class Endpoint {
    private final String name;
    private final CircuitBreaker breaker;
    private final RetryPolicy retry;
    private final HedgePolicy hedge;
    private final HedgeDelay hedgeDelay;

    Endpoint(String name, CircuitBreaker breaker, RetryPolicy retry, HedgePolicy hedge, HedgeDelay hedgeDelay) {
      this.name = name;
      this.breaker = breaker;
      this.retry = retry;
      this.hedge = hedge;
      this.hedgeDelay = hedgeDelay;
    }

    /** The endpoint, as {@link #endpointOf} spells it. */
    public String name() {
      return name;
    }

    /** This endpoint's breaker. */
    public CircuitBreaker breaker() {
      return breaker;
    }

    /** The retry policy ({@link Kind#STANDARD}), or null. */
    public RetryPolicy retryPolicy() {
      return retry;
    }

    /** The hedge policy ({@link Kind#STANDARD_HEDGING}), or null. */
    public HedgePolicy hedgePolicy() {
      return hedge;
    }

    /** This endpoint's adaptive hedge delay ({@link Kind#STANDARD_HEDGING}), or null. */
    public HedgeDelay hedgeDelay() {
      return hedgeDelay;
    }

    @Override
    public String toString() {
      return "Endpoint{" + name + ", " + breaker.state() + "}";
    }
  }

  /** Builds an {@link HttpResilience}; every setting has the default in the class table. */
  public static final class Builder {
    private final Kind kind;
    private Duration totalDeadline = DEFAULT_TOTAL_DEADLINE;
    private int maxAttempts;
    private Backoff backoff = Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(10)).withJitter(Jitter.full());
    private RetryAdmission budget;
    private double hedgeBudget = DEFAULT_HEDGE_BUDGET;
    private Duration hedgeDelay;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private Consumer<CircuitBreakerConfig.Builder> breakerSettings = config -> {};
    private HttpStatusPolicy retryableStatuses = HttpStatusPolicy.defaults();
    private boolean serverHonoursIdempotencyKey;
    private int maxEndpoints = Keyed.DEFAULT_MAX_SIZE;
    private Duration endpointIdleExpiry = Keyed.DEFAULT_IDLE_EXPIRY;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private Consumer<Endpoint> onNewEndpoint = endpoint -> {};

    /** A hedge setting on a pipeline that never hedges would be ignored: say so instead. */
    private void requireHedging(String setting) {
      if (kind == Kind.STANDARD) {
        throw new IllegalStateException(setting + " applies only to HttpResilience.standardHedging(); this builder is standard(), which retries and never hedges");
      }
    }

    private Builder(Kind kind) {
      this.kind = kind;
      this.maxAttempts = kind == Kind.STANDARD ? DEFAULT_MAX_ATTEMPTS : DEFAULT_MAX_HEDGED_ATTEMPTS;
    }

    /**
     * The whole call's deadline, every attempt and wait included. Default 30 s.
     *
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder totalDeadline(Duration deadline) {
      this.totalDeadline = positive(deadline, "totalDeadline");
      return this;
    }

    /**
     * Attempts per call, the first counted: default 4 for {@code standard()}, 2 for {@code
     * standardHedging()} (at most {@value HedgePolicy#MAX_ATTEMPTS_LIMIT} when hedging).
     *
     * @throws IllegalArgumentException if below 1 (or above the hedging limit)
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || (kind == Kind.STANDARD_HEDGING && maxAttempts > HedgePolicy.MAX_ATTEMPTS_LIMIT)) {
        throw new IllegalArgumentException("maxAttempts must be in [1, "
            + (kind == Kind.STANDARD ? Integer.MAX_VALUE : HedgePolicy.MAX_ATTEMPTS_LIMIT) + "]: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The retries' backoff ({@code standard()} only). Default exponential 200 ms to 10 s, full jitter. */
    public Builder backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * The budget every endpoint's retries or hedges ask, shared. Default: a token bucket (10
     * tokens, ratio 0.1) for {@code standard()}, a ratio budget at {@link #hedgeBudget} of
     * requests for {@code standardHedging()}.
     */
    public Builder budget(RetryAdmission budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * The share of requests that may be hedged ({@code standardHedging()}): each endpoint's
     * adaptive delay aims at it, and the default budget allows it. Default 0.05.
     *
     * @throws IllegalArgumentException if not in (0, 1)
     * @throws IllegalStateException on a {@code standard()} builder, which does not hedge
     */
    public Builder hedgeBudget(double share) {
      requireHedging("hedgeBudget");
      if (!(share > 0 && share < 1)) {
        throw new IllegalArgumentException("hedgeBudget must be in (0, 1): " + share);
      }
      this.hedgeBudget = share;
      return this;
    }

    /**
     * A fixed hedge delay for every endpoint ({@code standardHedging()}) instead of the adaptive
     * one, as Microsoft's hedging handler's {@code Delay} (2 s there). The budget stays as set.
     * Default: none (adaptive, see {@link #hedgeBudget}).
     *
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException on a {@code standard()} builder, which does not hedge
     */
    public Builder hedgeDelay(Duration delay) {
      requireHedging("hedgeDelay");
      Objects.requireNonNull(delay, "hedgeDelay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("hedgeDelay must be >= 0: " + delay);
      }
      this.hedgeDelay = delay;
      return this;
    }

    /**
     * Each attempt's timeout; a timed-out attempt is cancelled and counts as a failure for the
     * breaker. Default 10 s.
     *
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = positive(timeout, "attemptTimeout");
      return this;
    }

    /** No per-attempt timeout: only the total deadline and the client's own timeouts apply. */
    public Builder noAttemptTimeout() {
      this.attemptTimeout = null;
      return this;
    }

    /**
     * Changes the per-endpoint breaker's settings, applied to the defaults for each new endpoint
     * (whose name the builder already carries): {@code b -> b.failureRateThreshold(0.2)}.
     */
    public Builder breaker(Consumer<CircuitBreakerConfig.Builder> settings) {
      this.breakerSettings = Objects.requireNonNull(settings, "breaker");
      return this;
    }

    /** Which statuses are retried. Default {@link HttpStatusPolicy#defaults()}. */
    public Builder retryableStatuses(HttpStatusPolicy statuses) {
      this.retryableStatuses = Objects.requireNonNull(statuses, "retryableStatuses");
      return this;
    }

    /** As {@link ResilientHttpClient.Builder#serverHonoursIdempotencyKey}. Default false. */
    public Builder serverHonoursIdempotencyKey(boolean honoured) {
      this.serverHonoursIdempotencyKey = honoured;
      return this;
    }

    /**
     * The most endpoints kept; the least recently used ones beyond are forgotten. Default 1000.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxEndpoints(int maxEndpoints) {
      if (maxEndpoints < 1) {
        throw new IllegalArgumentException("maxEndpoints must be >= 1: " + maxEndpoints);
      }
      this.maxEndpoints = maxEndpoints;
      return this;
    }

    /**
     * How long an endpoint nobody called is kept. Default 10 minutes.
     *
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder endpointIdleExpiry(Duration expiry) {
      this.endpointIdleExpiry = positive(expiry, "endpointIdleExpiry");
      return this;
    }

    /** The clock. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The scheduler. Default {@link Scheduler#system()}. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Told of each endpoint when it is made (to bind its breaker to metrics); keep it short. */
    public Builder onNewEndpoint(Consumer<Endpoint> listener) {
      this.onNewEndpoint = Objects.requireNonNull(listener, "onNewEndpoint");
      return this;
    }

    /** Builds it. */
    public HttpResilience build() {
      return new HttpResilience(this);
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0: " + value);
      }
      return value;
    }
  }
}
