package dev.tailguard.spring;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Jitter;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.HttpResilience;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Every named Tailguard instance built from {@link TailguardProperties} at start-up. A value the
 * policies refuse fails the start-up with {@link InvalidConfigurationPropertyValueException},
 * which names the property path and the value. Thread-safe (immutable after construction).
 */
public final class TailguardRegistry {
  static final String DEFAULT = "default";

  private final Map<String, RetryBudget> budgets = new LinkedHashMap<>();
  private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
  private final Map<String, RetryPolicy> retries = new LinkedHashMap<>();
  private final Map<String, HedgePolicy> hedges = new LinkedHashMap<>();
  private final Map<String, HttpResilience> http = new LinkedHashMap<>();
  private final Map<String, EndpointPipelines> httpPipelines = new LinkedHashMap<>();
  private final TailguardProperties properties;

  /** Instruments policies for metrics; {@link Instrumentation#NONE} without Micrometer. */
  interface Instrumentation {
    Instrumentation NONE = new Instrumentation() {};

    default RetryPolicy.Builder retry(String name, RetryPolicy.Builder b) {
      return b;
    }

    default HedgePolicy.Builder hedge(String name, HedgePolicy.Builder b) {
      return b;
    }

    default CircuitBreaker breaker(String name, CircuitBreaker breaker) {
      return breaker;
    }

    default RetryBudget budget(String name, RetryBudget budget) {
      return budget;
    }
  }

  TailguardRegistry(TailguardProperties properties, Instrumentation metrics) {
    this.properties = properties;
    properties.getBudget().forEach((name, spec) -> budgets.put(name, metrics.budget(name, budget(name, spec))));
    properties.getCircuitBreaker().forEach((name, spec) -> {
      CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder(name);
      breakerSettings(name).accept(b);
      breakers.put(name, metrics.breaker(name, CircuitBreaker.of(b.build())));
    });
    properties.getRetry().forEach((name, spec) -> retries.put(name, metrics.retry(name, retryBuilder(name)).build()));
    properties.getHedge().forEach((name, spec) -> hedges.put(name, metrics.hedge(name, hedgeBuilder(name)).build()));
    properties.getHttp().forEach((name, spec) -> http.put(name, httpPipeline(name, metrics)));
    // One set per client, so every adapter of a client shares its endpoints' pipelines.
    http.forEach((name, resilience) -> httpPipelines.put(name, new EndpointPipelines(resilience)));
  }

  private static <S, T> T pick(Map<String, S> specs, String name, Function<S, T> getter) {
    S own = specs.get(name);
    T value = own == null ? null : getter.apply(own);
    if (value == null && !DEFAULT.equals(name) && specs.get(DEFAULT) != null) {
      value = getter.apply(specs.get(DEFAULT));
    }
    return value;
  }

  /** Applies {@code value} when set, turning a refusal into an error naming {@code path}. */
  private static <T> void set(String path, T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException | IllegalStateException refused) {
      throw new InvalidConfigurationPropertyValueException(path, value, refused.getMessage());
    }
  }

  private RetryBudget budget(String name, TailguardProperties.BudgetSpec spec) {
    Map<String, TailguardProperties.BudgetSpec> s = properties.getBudget();
    String p = "tailguard.budget." + name + ".";
    String type = pick(s, name, TailguardProperties.BudgetSpec::getType);
    if (type == null || type.equals("token-bucket")) {
      RetryBudget.TokenBucketBuilder b = RetryBudget.tokenBucket();
      set(p + "max-tokens", pick(s, name, TailguardProperties.BudgetSpec::getMaxTokens), b::maxTokens);
      set(p + "token-ratio", pick(s, name, TailguardProperties.BudgetSpec::getTokenRatio), b::tokenRatio);
      return b.build();
    }
    if (type.equals("ratio")) {
      RetryBudget.RatioBuilder b = RetryBudget.ratio();
      set(p + "percent-can-retry", pick(s, name, TailguardProperties.BudgetSpec::getPercentCanRetry), b::percentCanRetry);
      return b.build();
    }
    if (type.equals("adaptive-throttle")) {
      return RetryBudget.adaptiveThrottle().build();
    }
    throw new InvalidConfigurationPropertyValueException(p + "type", type, "must be token-bucket, ratio or adaptive-throttle");
  }

  private Consumer<CircuitBreakerConfig.Builder> breakerSettings(String name) {
    Map<String, TailguardProperties.BreakerSpec> s = properties.getCircuitBreaker();
    String p = "tailguard.circuit-breaker." + name + ".";
    return b -> {
      set(p + "failure-rate-threshold", pick(s, name, TailguardProperties.BreakerSpec::getFailureRateThreshold), b::failureRateThreshold);
      set(p + "minimum-calls", pick(s, name, TailguardProperties.BreakerSpec::getMinimumCalls), b::minimumCalls);
      set(p + "window-size", pick(s, name, TailguardProperties.BreakerSpec::getWindowSize), b::countWindow);
      set(p + "open-duration", pick(s, name, TailguardProperties.BreakerSpec::getOpenDuration), b::openDuration);
    };
  }

  private RetryBudget budgetRef(String path, String ref) {
    RetryBudget budget = budgets.get(ref);
    // A reference to a budget nobody configured would silently mean "no budget".
    if (budget == null) {
      throw new InvalidConfigurationPropertyValueException(path, ref, "no tailguard.budget." + ref + " is configured");
    }
    return budget;
  }

  private RetryPolicy.Builder retryBuilder(String name) {
    Map<String, TailguardProperties.RetrySpec> s = properties.getRetry();
    String p = "tailguard.retry." + name + ".";
    RetryPolicy.Builder b = RetryPolicy.builder();
    set(p + "max-attempts", pick(s, name, TailguardProperties.RetrySpec::getMaxAttempts), b::maxAttempts);
    Duration initial = pick(s, name, TailguardProperties.RetrySpec::getInitialBackoff);
    Duration max = pick(s, name, TailguardProperties.RetrySpec::getMaxBackoff);
    if (initial != null || max != null) {
      Duration i = initial != null ? initial : Duration.ofMillis(100);
      Duration m = max != null ? max : Duration.ofSeconds(10);
      set(p + (initial != null ? "initial-backoff" : "max-backoff"), initial != null ? initial : max,
          v -> b.backoff(Backoff.exponential(i, m).withJitter(Jitter.full())));
    }
    set(p + "deadline", pick(s, name, TailguardProperties.RetrySpec::getDeadline), b::deadline);
    set(p + "per-attempt-timeout", pick(s, name, TailguardProperties.RetrySpec::getPerAttemptTimeout), b::perAttemptTimeout);
    String budget = pick(s, name, TailguardProperties.RetrySpec::getBudget);
    if (budget != null) {
      b.admission(budgetRef(p + "budget", budget));
    }
    return b;
  }

  private HedgePolicy.Builder hedgeBuilder(String name) {
    Map<String, TailguardProperties.HedgeSpec> s = properties.getHedge();
    String p = "tailguard.hedge." + name + ".";
    Duration fixed = pick(s, name, TailguardProperties.HedgeSpec::getDelay);
    Double share = pick(s, name, TailguardProperties.HedgeSpec::getAdaptiveBudget);
    HedgeDelay[] delay = {null};
    if (fixed != null) {
      set(p + "delay", fixed, v -> delay[0] = HedgeDelay.fixed(v));
    } else {
      double budget = share != null ? share : 0.05;
      set(p + "adaptive-budget", budget, v -> delay[0] = HedgeDelay.adaptive(v).build());
    }
    HedgePolicy.Builder b = HedgePolicy.builder(delay[0]);
    set(p + "max-attempts", pick(s, name, TailguardProperties.HedgeSpec::getMaxAttempts), b::maxAttempts);
    set(p + "deadline", pick(s, name, TailguardProperties.HedgeSpec::getDeadline), b::deadline);
    String budget = pick(s, name, TailguardProperties.HedgeSpec::getBudget);
    if (budget != null) {
      b.admission(budgetRef(p + "budget", budget));
    }
    return b;
  }

  private HttpResilience httpPipeline(String name, Instrumentation metrics) {
    Map<String, TailguardProperties.HttpSpec> s = properties.getHttp();
    String p = "tailguard.http." + name + ".";
    String pipeline = pick(s, name, TailguardProperties.HttpSpec::getPipeline);
    HttpResilience.Builder b;
    if (pipeline == null || pipeline.equals("standard")) {
      b = HttpResilience.standard();
    } else if (pipeline.equals("standard-hedging")) {
      b = HttpResilience.standardHedging();
    } else {
      throw new InvalidConfigurationPropertyValueException(p + "pipeline", pipeline, "must be standard or standard-hedging");
    }
    set(p + "max-attempts", pick(s, name, TailguardProperties.HttpSpec::getMaxAttempts), b::maxAttempts);
    set(p + "total-deadline", pick(s, name, TailguardProperties.HttpSpec::getTotalDeadline), b::totalDeadline);
    set(p + "attempt-timeout", pick(s, name, TailguardProperties.HttpSpec::getAttemptTimeout), b::attemptTimeout);
    set(p + "initial-backoff", pick(s, name, TailguardProperties.HttpSpec::getInitialBackoff),
        v -> b.backoff(Backoff.exponential(v, Duration.ofSeconds(10).compareTo(v) > 0 ? Duration.ofSeconds(10) : v)
            .withJitter(Jitter.full())));
    if ("standard-hedging".equals(pipeline)) {
      set(p + "hedge-budget", pick(s, name, TailguardProperties.HttpSpec::getHedgeBudget), b::hedgeBudget);
      set(p + "hedge-delay", pick(s, name, TailguardProperties.HttpSpec::getHedgeDelay), b::hedgeDelay);
    } else {
      // A client's own hedge setting on a pipeline that never hedges would be silently ignored:
      // refuse to start. Those under tailguard.http.default apply to the hedging clients only.
      TailguardProperties.HttpSpec own = DEFAULT.equals(name) ? null : s.get(name);
      if (own != null && own.getHedgeBudget() != null) {
        throw new InvalidConfigurationPropertyValueException(p + "hedge-budget", own.getHedgeBudget(),
            "applies only to pipeline standard-hedging");
      }
      if (own != null && own.getHedgeDelay() != null) {
        throw new InvalidConfigurationPropertyValueException(p + "hedge-delay", own.getHedgeDelay(),
            "applies only to pipeline standard-hedging");
      }
    }
    set(p + "server-honours-idempotency-key", pick(s, name, TailguardProperties.HttpSpec::getServerHonoursIdempotencyKey),
        b::serverHonoursIdempotencyKey);
    set(p + "max-endpoints", pick(s, name, TailguardProperties.HttpSpec::getMaxEndpoints), b::maxEndpoints);
    String budget = pick(s, name, TailguardProperties.HttpSpec::getBudget);
    if (budget != null) {
      b.budget(budgetRef(p + "budget", budget));
    }
    String breaker = pick(s, name, TailguardProperties.HttpSpec::getCircuitBreaker);
    if (breaker != null) {
      // A breaker named but not configured would silently mean the defaults.
      if (!properties.getCircuitBreaker().containsKey(breaker)) {
        throw new InvalidConfigurationPropertyValueException(p + "circuit-breaker", breaker,
            "no tailguard.circuit-breaker." + breaker + " is configured");
      }
      Consumer<CircuitBreakerConfig.Builder> settings = breakerSettings(breaker);
      b.breaker(settings);
    }
    b.onNewEndpoint(endpoint -> metrics.breaker(name, endpoint.breaker()));
    return b.build();
  }

  /** The named retry policy. @throws IllegalArgumentException naming it when none is configured */
  public RetryPolicy retry(String name) {
    return get(retries, "retry", name);
  }

  /** The named hedge policy. @throws IllegalArgumentException naming it when none is configured */
  public HedgePolicy hedge(String name) {
    return get(hedges, "hedge", name);
  }

  /** The named circuit breaker. @throws IllegalArgumentException naming it when none is configured */
  public CircuitBreaker circuitBreaker(String name) {
    return get(breakers, "circuit-breaker", name);
  }

  /** The named budget. @throws IllegalArgumentException naming it when none is configured */
  public RetryBudget budget(String name) {
    return get(budgets, "budget", name);
  }

  /** The named HTTP client's pipeline. @throws IllegalArgumentException naming it when none is configured */
  public HttpResilience http(String name) {
    return get(http, "http", name);
  }

  /** The named HTTP client's per-endpoint pipelines, shared by Spring's adapters. */
  EndpointPipelines endpointPipelines(String name) {
    return get(httpPipelines, "http", name);
  }

  /** The base URL of the named HTTP client, or null. */
  java.net.URI baseUrl(String name) {
    return pick(properties.getHttp(), name, TailguardProperties.HttpSpec::getBaseUrl);
  }

  Map<String, RetryBudget> budgets() {
    return Collections.unmodifiableMap(budgets);
  }

  Map<String, CircuitBreaker> breakers() {
    return Collections.unmodifiableMap(breakers);
  }

  Map<String, HedgePolicy> hedges() {
    return Collections.unmodifiableMap(hedges);
  }

  Map<String, RetryPolicy> retries() {
    return Collections.unmodifiableMap(retries);
  }

  Map<String, HttpResilience> httpClients() {
    return Collections.unmodifiableMap(http);
  }

  private static <T> T get(Map<String, T> map, String kind, String name) {
    T value = map.get(Objects.requireNonNull(name, "name"));
    if (value == null) {
      throw new IllegalArgumentException("no tailguard." + kind + "." + name + " is configured; configured: " + map.keySet());
    }
    return value;
  }
}
