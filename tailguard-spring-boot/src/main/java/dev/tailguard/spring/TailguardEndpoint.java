package dev.tailguard.spring;

import dev.tailguard.BudgetState;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.HedgeDelay;
import dev.tailguard.http.HttpResilience;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/tailguard}: named breakers (state, failure rate), budgets (level), hedge delays
 * (current estimate) and each HTTP client's endpoints (their breaker and adaptive delay).
 */
@Endpoint(id = "tailguard")
public class TailguardEndpoint {
  private final TailguardRegistry registry;

  TailguardEndpoint(TailguardRegistry registry) {
    this.registry = registry;
  }

  /** The snapshot. */
  @ReadOperation
  public Map<String, Object> tailguard() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> breakers = new LinkedHashMap<>();
    registry.breakers().forEach((name, breaker) -> breakers.put(name, breaker(breaker)));
    out.put("circuitBreakers", breakers);
    Map<String, Object> budgets = new LinkedHashMap<>();
    registry.budgets().forEach((name, budget) -> budgets.put(name, budget(budget.state())));
    out.put("budgets", budgets);
    Map<String, Object> hedges = new LinkedHashMap<>();
    registry.hedges().forEach((name, hedge) -> hedges.put(name, delay(hedge.delay())));
    out.put("hedgeDelays", hedges);
    Map<String, Object> http = new LinkedHashMap<>();
    registry.httpClients().forEach((name, resilience) -> {
      Map<String, Object> client = new LinkedHashMap<>();
      client.put("pipeline", resilience.kind() == HttpResilience.Kind.STANDARD ? "standard" : "standard-hedging");
      client.put("budget", budget(resilience.budget().state()));
      Map<String, Object> endpoints = new LinkedHashMap<>();
      resilience.endpoints().snapshot().forEach((endpoint, e) -> {
        Map<String, Object> entry = breaker(e.breaker());
        if (e.hedgeDelay() != null) {
          entry.put("hedgeDelay", delay(e.hedgeDelay()));
        }
        endpoints.put(endpoint, entry);
      });
      client.put("endpoints", endpoints);
      client.put("maxEndpoints", resilience.endpoints().maxSize());
      http.put(name, client);
    });
    out.put("http", http);
    return out;
  }

  private static Map<String, Object> breaker(CircuitBreaker breaker) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", breaker.state().name());
    double rate = breaker.failureRate();
    m.put("failureRate", Double.isNaN(rate) ? null : rate);
    return m;
  }

  private static Map<String, Object> budget(BudgetState state) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", state.kind());
    m.put("level", state.level());
    m.put("denials", state.denials());
    return m;
  }

  private static Map<String, Object> delay(HedgeDelay delay) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("delay", delay.toString());
    m.put("currentMillis", delay.currentDelay().map(d -> d.toNanos() / 1e6).orElse(null));
    return m;
  }
}
