package dev.tailguard.spring;

import dev.tailguard.http.Idempotency;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which configured client's pipelines a request goes through, shared by the RestClient and
 * WebClient adapters: the longest base URL the request's URL starts with, ending at a path, query
 * or fragment boundary ({@code http://orders:8080} covers {@code http://orders:8080/a}, not {@code
 * http://orders:80801/a}); a client of its own ({@link #only}) covers every URL. Thread-safe
 * (immutable).
 */
final class ClientRoutes {
  private final Map<String, EndpointPipelines> byBaseUrl;

  private ClientRoutes(Map<String, EndpointPipelines> byBaseUrl) {
    this.byBaseUrl = byBaseUrl;
  }

  /** A route for every configured client with a base URL. */
  static ClientRoutes of(TailguardRegistry registry) {
    Map<String, EndpointPipelines> routes = new LinkedHashMap<>();
    registry.httpClients().keySet().forEach(name -> {
      URI base = registry.baseUrl(name);
      if (base != null) {
        routes.put(base.toString(), registry.endpointPipelines(name));
      }
    });
    return new ClientRoutes(routes);
  }

  /** Every URL through {@code pipelines}. */
  static ClientRoutes only(EndpointPipelines pipelines) {
    return new ClientRoutes(Map.of("", pipelines));
  }

  /** The pipelines of {@code uri}, or null when no client covers it. */
  EndpointPipelines route(URI uri) {
    String url = uri.toString();
    EndpointPipelines best = null;
    int bestLength = -1;
    for (Map.Entry<String, EndpointPipelines> e : byBaseUrl.entrySet()) {
      String base = e.getKey();
      if (base.length() > bestLength && covers(base, url)) {
        best = e.getValue();
        bestLength = base.length();
      }
    }
    return best;
  }

  private static boolean covers(String base, String url) {
    if (!url.startsWith(base)) {
      return false;
    }
    if (base.isEmpty() || url.length() == base.length() || base.endsWith("/")) {
      return true;
    }
    char next = url.charAt(base.length());
    return next == '/' || next == '?' || next == '#';
  }

  /** Puts {@code own} last in a builder's interceptors or filters, instead of any other of its kind. */
  static <T> void replace(List<T> chain, Class<?> kind, T own) {
    chain.removeIf(kind::isInstance);
    chain.add(own);
  }

  /** Adds {@code routing} to a builder's interceptors or filters unless one of its kind is there. */
  static <T> void addIfAbsent(List<T> chain, Class<?> kind, T routing) {
    if (chain.stream().noneMatch(kind::isInstance)) {
      chain.add(routing);
    }
  }

  /**
   * Whether a request of {@code method} gets an automatic {@code Idempotency-Key}: it has none,
   * is a POST or PATCH, and the client's server de-duplicates by key.
   */
  static boolean addsKey(EndpointPipelines pipelines, String method, boolean carriesKey) {
    return !carriesKey && pipelines.resilience().serverHonoursIdempotencyKey()
        && (method.equals("POST") || method.equals("PATCH"));
  }

  /** Whether a request may be sent twice: an idempotent method, or a key. */
  static boolean retrySafe(String method, boolean carriesKey) {
    return Idempotency.isIdempotentMethod(method) || carriesKey;
  }
}
