package dev.tailguard.spring;

import java.net.URI;
import org.springframework.web.client.RestClient;

/**
 * Gives a {@code RestClient.Builder} a named client's policies: its base URL and Tailguard's
 * interceptor (added once, however often this is called). {@code RestClient.Builder} beans made
 * by Spring Boot already carry the interceptor through {@code TailguardAutoConfiguration}'s
 * customizer; this adds the base URL. Thread-safe.
 */
public final class TailguardRestClients {
  private final TailguardRegistry registry;
  private final TailguardClientHttpRequestInterceptor interceptor;

  TailguardRestClients(TailguardRegistry registry, TailguardClientHttpRequestInterceptor interceptor) {
    this.registry = registry;
    this.interceptor = interceptor;
  }

  /**
   * Sets {@code tailguard.http.<client>.base-url} on {@code builder} and makes sure Tailguard's
   * interceptor is on it.
   *
   * @throws IllegalArgumentException if the client is not configured or has no base URL
   */
  public RestClient.Builder apply(String client, RestClient.Builder builder) {
    registry.http(client);
    URI base = registry.baseUrl(client);
    if (base == null) {
      throw new IllegalArgumentException("tailguard.http." + client + ".base-url is not set");
    }
    return addInterceptor(builder.baseUrl(base));
  }

  RestClient.Builder addInterceptor(RestClient.Builder builder) {
    return builder.requestInterceptors(list -> {
      if (list.stream().noneMatch(i -> i instanceof TailguardClientHttpRequestInterceptor)) {
        list.add(interceptor);
      }
    });
  }
}
