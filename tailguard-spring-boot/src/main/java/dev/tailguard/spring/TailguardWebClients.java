package dev.tailguard.spring;

import java.net.URI;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Gives a {@code WebClient.Builder} a named client's policies, as {@link TailguardRestClients}
 * does for {@code RestClient}. {@code WebClient.Builder} beans made by Spring Boot already carry
 * the routing filter through {@code TailguardAutoConfiguration}'s customizer; {@link #apply}
 * instead sends every exchange of the builder through one named client, per endpoint, and sets
 * its base URL when it has one. Thread-safe.
 */
public final class TailguardWebClients {
  private final TailguardRegistry registry;
  private final TailguardExchangeFilterFunction routing;

  TailguardWebClients(TailguardRegistry registry, TailguardExchangeFilterFunction routing) {
    this.registry = registry;
    this.routing = routing;
  }

  /**
   * Sends every exchange of {@code builder} through {@code tailguard.http.<client>}, replacing any
   * Tailguard filter already on it, and sets the client's {@code base-url} if it has one.
   *
   * @throws IllegalArgumentException naming the client if it is not configured
   */
  public WebClient.Builder apply(String client, WebClient.Builder builder) {
    TailguardExchangeFilterFunction own = TailguardExchangeFilterFunction.forClient(registry, client);
    URI base = registry.baseUrl(client);
    if (base != null) {
      builder.baseUrl(base.toString());
    }
    return builder.filters(list -> ClientRoutes.replace(list, TailguardExchangeFilterFunction.class, own));
  }

  /** Adds the routing filter unless a Tailguard filter is already there. */
  WebClient.Builder addFilter(WebClient.Builder builder) {
    return builder.filters(list -> ClientRoutes.addIfAbsent(list, TailguardExchangeFilterFunction.class, routing));
  }
}
