package dev.tailguard.spring;

import java.net.URI;
import org.springframework.web.client.RestClient;

/**
 * Gives a {@code RestClient.Builder} a named client's policies. {@code RestClient.Builder} beans
 * made by Spring Boot already carry the routing interceptor through {@code
 * TailguardAutoConfiguration}'s customizer (requests under a configured base URL take that
 * client's pipeline); {@link #apply} instead sends every request of the builder through one named
 * client, per endpoint, and sets its base URL when it has one. Thread-safe.
 */
public final class TailguardRestClients {
  private final TailguardRegistry registry;
  private final TailguardClientHttpRequestInterceptor routing;

  TailguardRestClients(TailguardRegistry registry, TailguardClientHttpRequestInterceptor routing) {
    this.registry = registry;
    this.routing = routing;
  }

  /**
   * Sends every request of {@code builder} through {@code tailguard.http.<client>}, replacing any
   * Tailguard interceptor already on it, and sets the client's {@code base-url} if it has one.
   *
   * @throws IllegalArgumentException naming the client if it is not configured
   */
  public RestClient.Builder apply(String client, RestClient.Builder builder) {
    TailguardClientHttpRequestInterceptor own = TailguardClientHttpRequestInterceptor.forClient(registry, client);
    URI base = registry.baseUrl(client);
    if (base != null) {
      builder.baseUrl(base);
    }
    return builder.requestInterceptors(list -> ClientRoutes.replace(list, TailguardClientHttpRequestInterceptor.class, own));
  }

  /** Adds the routing interceptor unless a Tailguard interceptor is already there. */
  RestClient.Builder addInterceptor(RestClient.Builder builder) {
    return builder.requestInterceptors(list -> ClientRoutes.addIfAbsent(list, TailguardClientHttpRequestInterceptor.class, routing));
  }
}
