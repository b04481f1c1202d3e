package dev.tailguard.spring;

import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Opt-in ({@code tailguard.health.enabled=true}): DOWN while a named breaker is open, with each open one. */
public class TailguardHealthIndicator implements HealthIndicator {
  private final TailguardRegistry registry;

  TailguardHealthIndicator(TailguardRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Health health() {
    Map<String, String> open = new TreeMap<>();
    registry.breakers().forEach((name, breaker) -> {
      if (breaker.state() == dev.tailguard.CircuitState.OPEN || breaker.state() == dev.tailguard.CircuitState.FORCED_OPEN) {
        open.put(name, breaker.state().name());
      }
    });
    return (open.isEmpty() ? Health.up() : Health.down()).withDetail("openCircuitBreakers", open).build();
  }
}
