package dev.tailguard.spring;

import dev.tailguard.CircuitBreaker;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.micrometer.TailguardMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Feeds {@code tailguard-micrometer}'s meters, tagged {@code name} with the instance's name (an
 * HTTP client's per-endpoint breakers: the client's name, never the URL). Loaded only when
 * Micrometer and a {@code MeterRegistry} bean are there.
 */
final class MicrometerInstrumentation implements TailguardRegistry.Instrumentation {
  private final MeterRegistry registry;
  private final Map<String, TailguardMetrics> metrics = new ConcurrentHashMap<>();

  MicrometerInstrumentation(MeterRegistry registry) {
    this.registry = registry;
  }

  private TailguardMetrics of(String name) {
    return metrics.computeIfAbsent(name, n -> TailguardMetrics.of(registry, n));
  }

  @Override
  public RetryPolicy.Builder retry(String name, RetryPolicy.Builder b) {
    return of(name).instrument(b);
  }

  @Override
  public HedgePolicy.Builder hedge(String name, HedgePolicy.Builder b) {
    return of(name).instrument(b);
  }

  @Override
  public CircuitBreaker breaker(String name, CircuitBreaker breaker) {
    // A client's endpoints share its name: bind the first only, so evicted endpoints add no meters.
    return metrics.containsKey(name + "#breaker") ? breaker : bindOnce(name, breaker);
  }

  private CircuitBreaker bindOnce(String name, CircuitBreaker breaker) {
    metrics.put(name + "#breaker", of(name));
    return of(name).bind(breaker);
  }

  @Override
  public RetryBudget budget(String name, RetryBudget budget) {
    return of(name).bind(budget);
  }
}
