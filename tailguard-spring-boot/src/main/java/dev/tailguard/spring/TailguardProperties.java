package dev.tailguard.spring;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code tailguard.*}: named policies and HTTP clients. In each map the instance named {@code
 * default} holds the shared defaults: every other instance takes each setting it leaves unset
 * from it, then from Tailguard's own default.
 *
 * <pre>
 * tailguard.retry.default.max-attempts=3
 * tailguard.retry.payments.max-attempts=5          # payments: 5 attempts, the rest from default
 * tailguard.http.orders.pipeline=standard
 * tailguard.http.orders.base-url=http://orders:8080
 * </pre>
 */
@ConfigurationProperties("tailguard")
public class TailguardProperties {
  /** Named retry policies; "default" holds the shared defaults. */
  private Map<String, RetrySpec> retry = new LinkedHashMap<>();
  /** Named hedge policies; "default" holds the shared defaults. */
  private Map<String, HedgeSpec> hedge = new LinkedHashMap<>();
  /** Named circuit breakers; "default" holds the shared defaults. */
  private Map<String, BreakerSpec> circuitBreaker = new LinkedHashMap<>();
  /** Named retry budgets; "default" holds the shared defaults. */
  private Map<String, BudgetSpec> budget = new LinkedHashMap<>();
  /** Named HTTP clients (standard or standard-hedging pipelines); "default" holds the shared defaults. */
  private Map<String, HttpSpec> http = new LinkedHashMap<>();
  /** The server-side idempotency filter. */
  private Idempotency idempotency = new Idempotency();
  /** The health contributor. */
  private Health health = new Health();

  public Map<String, RetrySpec> getRetry() {
    return retry;
  }

  public void setRetry(Map<String, RetrySpec> retry) {
    this.retry = retry;
  }

  public Map<String, HedgeSpec> getHedge() {
    return hedge;
  }

  public void setHedge(Map<String, HedgeSpec> hedge) {
    this.hedge = hedge;
  }

  public Map<String, BreakerSpec> getCircuitBreaker() {
    return circuitBreaker;
  }

  public void setCircuitBreaker(Map<String, BreakerSpec> circuitBreaker) {
    this.circuitBreaker = circuitBreaker;
  }

  public Map<String, BudgetSpec> getBudget() {
    return budget;
  }

  public void setBudget(Map<String, BudgetSpec> budget) {
    this.budget = budget;
  }

  public Map<String, HttpSpec> getHttp() {
    return http;
  }

  public void setHttp(Map<String, HttpSpec> http) {
    this.http = http;
  }

  public Idempotency getIdempotency() {
    return idempotency;
  }

  public void setIdempotency(Idempotency idempotency) {
    this.idempotency = idempotency;
  }

  public Health getHealth() {
    return health;
  }

  public void setHealth(Health health) {
    this.health = health;
  }

  /** A retry policy. */
  public static class RetrySpec {
    /** Attempts, the first counted (default 3). */
    private Integer maxAttempts;
    /** First backoff of the exponential, full-jitter backoff (default 100ms). */
    private Duration initialBackoff;
    /** Cap of the backoff (default 10s). */
    private Duration maxBackoff;
    /** Deadline of the whole call (default none). */
    private Duration deadline;
    /** Timeout of each attempt (default none). */
    private Duration perAttemptTimeout;
    /** Name of the tailguard.budget instance the retries ask (default none). */
    private String budget;

    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    public Duration getDeadline() {
      return deadline;
    }

    public void setDeadline(Duration deadline) {
      this.deadline = deadline;
    }

    public Duration getPerAttemptTimeout() {
      return perAttemptTimeout;
    }

    public void setPerAttemptTimeout(Duration perAttemptTimeout) {
      this.perAttemptTimeout = perAttemptTimeout;
    }

    public String getBudget() {
      return budget;
    }

    public void setBudget(String budget) {
      this.budget = budget;
    }
  }

  /** A hedge policy. */
  public static class HedgeSpec {
    /** Attempts, the original counted (default 2). */
    private Integer maxAttempts;
    /** A fixed hedge delay; unset means adaptive at adaptive-budget. */
    private Duration delay;
    /** Share of requests the adaptive delay hedges (default 0.05). */
    private Double adaptiveBudget;
    /** Deadline of the whole call (default none). */
    private Duration deadline;
    /** Name of the tailguard.budget instance the hedges ask (default none). */
    private String budget;

    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getDelay() {
      return delay;
    }

    public void setDelay(Duration delay) {
      this.delay = delay;
    }

    public Double getAdaptiveBudget() {
      return adaptiveBudget;
    }

    public void setAdaptiveBudget(Double adaptiveBudget) {
      this.adaptiveBudget = adaptiveBudget;
    }

    public Duration getDeadline() {
      return deadline;
    }

    public void setDeadline(Duration deadline) {
      this.deadline = deadline;
    }

    public String getBudget() {
      return budget;
    }

    public void setBudget(String budget) {
      this.budget = budget;
    }
  }

  /** A circuit breaker. */
  public static class BreakerSpec {
    /** Failure rate that opens it, in (0, 1] (default 0.5). */
    private Double failureRateThreshold;
    /** Calls needed before the rate counts (default 10). */
    private Integer minimumCalls;
    /** Size of the count window (default 100). */
    private Integer windowSize;
    /** How long it stays open (default 10s). */
    private Duration openDuration;

    public Double getFailureRateThreshold() {
      return failureRateThreshold;
    }

    public void setFailureRateThreshold(Double failureRateThreshold) {
      this.failureRateThreshold = failureRateThreshold;
    }

    public Integer getMinimumCalls() {
      return minimumCalls;
    }

    public void setMinimumCalls(Integer minimumCalls) {
      this.minimumCalls = minimumCalls;
    }

    public Integer getWindowSize() {
      return windowSize;
    }

    public void setWindowSize(Integer windowSize) {
      this.windowSize = windowSize;
    }

    public Duration getOpenDuration() {
      return openDuration;
    }

    public void setOpenDuration(Duration openDuration) {
      this.openDuration = openDuration;
    }
  }

  /** A retry budget. */
  public static class BudgetSpec {
    /** token-bucket (default), ratio or adaptive-throttle. */
    private String type;
    /** token-bucket: tokens (default 10). */
    private Integer maxTokens;
    /** token-bucket: tokens a success gives back (default 0.1). */
    private Double tokenRatio;
    /** ratio: share of requests that may be retried (default 0.2). */
    private Double percentCanRetry;

    public String getType() {
      return type;
    }

    public void setType(String type) {
      this.type = type;
    }

    public Integer getMaxTokens() {
      return maxTokens;
    }

    public void setMaxTokens(Integer maxTokens) {
      this.maxTokens = maxTokens;
    }

    public Double getTokenRatio() {
      return tokenRatio;
    }

    public void setTokenRatio(Double tokenRatio) {
      this.tokenRatio = tokenRatio;
    }

    public Double getPercentCanRetry() {
      return percentCanRetry;
    }

    public void setPercentCanRetry(Double percentCanRetry) {
      this.percentCanRetry = percentCanRetry;
    }
  }

  /** An HTTP client: one of HttpResilience's pipelines, with overrides. */
  public static class HttpSpec {
    /** standard (default) or standard-hedging. */
    private String pipeline;
    /** Requests whose URL starts with it (up to a path boundary) go through this client; builders given this client by TailguardRestClients or TailguardWebClients get it as base URL. Unset: only those builders use the client, for every URL. */
    private URI baseUrl;
    /** Attempts, the first counted (default 4 standard, 2 hedging). */
    private Integer maxAttempts;
    /** Deadline of the whole call (default 30s). */
    private Duration totalDeadline;
    /** Timeout of each attempt (default 10s). */
    private Duration attemptTimeout;
    /** First retry backoff, exponential with full jitter (default 200ms). */
    private Duration initialBackoff;
    /** Share of requests hedged (standard-hedging, default 0.05). */
    private Double hedgeBudget;
    /** A fixed hedge delay for every endpoint (standard-hedging); unset means adaptive at hedge-budget. */
    private Duration hedgeDelay;
    /** Name of a tailguard.circuit-breaker instance whose settings each endpoint's breaker takes. */
    private String circuitBreaker;
    /** Name of a tailguard.budget instance every endpoint's retries or hedges ask (default: the pipeline's own). */
    private String budget;
    /** The server de-duplicates by Idempotency-Key: keyless POST and PATCH get a key and are retried (default false). */
    private Boolean serverHonoursIdempotencyKey;
    /** Endpoints kept (default 1000). */
    private Integer maxEndpoints;

    public String getPipeline() {
      return pipeline;
    }

    public void setPipeline(String pipeline) {
      this.pipeline = pipeline;
    }

    public URI getBaseUrl() {
      return baseUrl;
    }

    public void setBaseUrl(URI baseUrl) {
      this.baseUrl = baseUrl;
    }

    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getTotalDeadline() {
      return totalDeadline;
    }

    public void setTotalDeadline(Duration totalDeadline) {
      this.totalDeadline = totalDeadline;
    }

    public Duration getAttemptTimeout() {
      return attemptTimeout;
    }

    public void setAttemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
    }

    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    public Double getHedgeBudget() {
      return hedgeBudget;
    }

    public void setHedgeBudget(Double hedgeBudget) {
      this.hedgeBudget = hedgeBudget;
    }

    public Duration getHedgeDelay() {
      return hedgeDelay;
    }

    public void setHedgeDelay(Duration hedgeDelay) {
      this.hedgeDelay = hedgeDelay;
    }

    public String getCircuitBreaker() {
      return circuitBreaker;
    }

    public void setCircuitBreaker(String circuitBreaker) {
      this.circuitBreaker = circuitBreaker;
    }

    public String getBudget() {
      return budget;
    }

    public void setBudget(String budget) {
      this.budget = budget;
    }

    public Boolean getServerHonoursIdempotencyKey() {
      return serverHonoursIdempotencyKey;
    }

    public void setServerHonoursIdempotencyKey(Boolean serverHonoursIdempotencyKey) {
      this.serverHonoursIdempotencyKey = serverHonoursIdempotencyKey;
    }

    public Integer getMaxEndpoints() {
      return maxEndpoints;
    }

    public void setMaxEndpoints(Integer maxEndpoints) {
      this.maxEndpoints = maxEndpoints;
    }
  }

  /** tailguard.idempotency.*. */
  public static class Idempotency {
    /** Registers IdempotencyServletFilter (needs an IdempotencyStore bean). Default false. */
    private boolean enabled;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** tailguard.health.*. */
  public static class Health {
    /** Contributes "tailguard" health: DOWN while a named breaker is open. Default false. */
    private boolean enabled;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
