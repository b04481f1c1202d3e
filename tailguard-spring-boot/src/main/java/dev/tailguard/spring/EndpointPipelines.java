package dev.tailguard.spring;

import dev.tailguard.Keyed;
import dev.tailguard.Pipeline;
import dev.tailguard.http.HttpResilience;
import java.net.URI;

/**
 * The pipelines of one {@link HttpResilience} per endpoint, for Spring's clients: requests safe
 * to send twice get the endpoint's retry or hedge; the others one attempt through the same breaker
 * and timeout. Held as long as their endpoint is. Thread-safe.
 */
final class EndpointPipelines {
  /** One endpoint's two pipelines. */
  record Pair(Pipeline repeating, Pipeline single) {}

  private final HttpResilience resilience;
  private final Keyed<HttpResilience.Endpoint, Pair> pipelines;

  EndpointPipelines(HttpResilience resilience) {
    this.resilience = resilience;
    this.pipelines = Keyed.<HttpResilience.Endpoint, Pair>builder(this::pair)
        .maxSize(resilience.endpoints().maxSize()).idleExpiry(resilience.endpoints().idleExpiry())
        .clock(resilience.clock()).build();
  }

  private Pair pair(HttpResilience.Endpoint endpoint) {
    Pipeline.Builder single = guards(endpoint);
    Pipeline.Builder repeating = guards(endpoint);
    if (endpoint.hedgePolicy() != null) {
      repeating.hedge(endpoint.hedgePolicy());
    } else {
      repeating.retry(endpoint.retryPolicy());
    }
    return new Pair(repeating.build(), single.build());
  }

  private Pipeline.Builder guards(HttpResilience.Endpoint endpoint) {
    Pipeline.Builder b = Pipeline.builder().clock(resilience.clock()).scheduler(resilience.scheduler())
        .circuitBreaker(endpoint.breaker());
    if (resilience.attemptTimeout() != null) {
      b.timeout(resilience.attemptTimeout());
    }
    return b;
  }

  Pipeline pipeline(URI uri, boolean retrySafe) {
    Pair pair = pipelines.get(resilience.endpoint(uri));
    return retrySafe ? pair.repeating() : pair.single();
  }

  HttpResilience resilience() {
    return resilience;
  }
}
