package dev.tailguard.idempotency;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Honours {@code Idempotency-Key} on a JDK {@code com.sun.net.httpserver.HttpServer} context.
 * POST and PATCH are guarded; other methods pass through (they are idempotent by definition).
 *
 * <p>The handler's response is buffered, stored, and only then sent, so a connection that drops
 * after the handler ran still leaves the outcome for the client's retry to replay.
 *
 * <p>Request bodies are read into memory to fingerprint them, up to {@code maxRequestBytes}
 * (default 1 MiB): a larger body, declared or sent, gets 413 and the handler does not run. The
 * fingerprint covers the method, the path with its query string, and the body.
 *
 * <p>The handler finds its {@link IdempotencyGuard.Ticket} as the exchange attribute {@link
 * IdempotencyGuard#TICKET_ATTRIBUTE}: its recovery point and fencing token. The lease is renewed
 * while the handler runs and while its outcome is stored.
 *
 * <p>The key space is per scope. {@link #scopedByPrincipal} uses the {@link HttpPrincipal} an
 * {@code Authenticator} set and answers 401 when there is none: there is no silent shared
 * "anonymous" scope, which would let one client read another's responses. {@link #scopedBy}
 * takes any function (an API key's tenant, say); a null or blank scope is refused the same way.
 *
 * <p>On a context with an {@code Authenticator}, guard the handler with {@link #around} instead of
 * adding this to the context's filters: the JDK {@code HttpServer} runs a context's filters
 * before its authenticator, so a filter sees no principal (every guarded request would get 401),
 * and the authenticator cannot handle the buffered exchange a filter passes on.
 *
 * @since 0.1
 */
public final class IdempotencyFilter extends Filter {
  private static final Set<String> GUARDED_METHODS = Set.of("POST", "PATCH");

  private final IdempotencyGuard guard;
  /** The default bound on a guarded request's body, as the servlet filter's. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;

  private final Function<HttpExchange, String> scope;
  private final int maxRequestBytes;

  private IdempotencyFilter(IdempotencyGuard guard, Function<HttpExchange, String> scope, int maxRequestBytes) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.scope = Objects.requireNonNull(scope, "scope");
    if (maxRequestBytes < 0 || maxRequestBytes == Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxRequestBytes must be >= 0 and < Integer.MAX_VALUE: " + maxRequestBytes);
    }
    this.maxRequestBytes = maxRequestBytes;
  }

  /** Keys belong to the authenticated principal ({@code realm:username}). */
  public static IdempotencyFilter scopedByPrincipal(IdempotencyGuard guard) {
    return new IdempotencyFilter(guard, exchange -> {
      HttpPrincipal principal = exchange.getPrincipal();
      return principal == null ? null : principal.getName();
    }, DEFAULT_MAX_REQUEST_BYTES);
  }

  /** Keys belong to whatever {@code scope} returns for the exchange; null means unauthenticated. Bodies up to 1 MiB. */
  public static IdempotencyFilter scopedBy(IdempotencyGuard guard, Function<HttpExchange, String> scope) {
    return new IdempotencyFilter(guard, scope, DEFAULT_MAX_REQUEST_BYTES);
  }

  /**
   * As {@link #scopedBy(IdempotencyGuard, Function)}, with another bound on request bodies.
   *
   * @param maxRequestBytes the largest request body fingerprinted; larger requests get 413
   * @throws IllegalArgumentException if {@code maxRequestBytes} is negative or {@code Integer.MAX_VALUE}
   */
  public static IdempotencyFilter scopedBy(IdempotencyGuard guard, Function<HttpExchange, String> scope, int maxRequestBytes) {
    return new IdempotencyFilter(guard, scope, maxRequestBytes);
  }

  /**
   * This filter's guard around {@code handler}, as a handler: for a context with an {@code
   * Authenticator}, which the JDK {@code HttpServer} runs after the context's filters and before
   * its handler, so the guard sees the authenticated principal.
   *
   * <pre>{@code
   * server.createContext("/orders", IdempotencyFilter.scopedByPrincipal(guard).around(handler))
   *     .setAuthenticator(authenticator);
   * }</pre>
   *
   * @throws NullPointerException if {@code handler} is null
   */
  public HttpHandler around(HttpHandler handler) {
    Objects.requireNonNull(handler, "handler");
    // A chain per exchange: a Chain walks its filter list with an iterator of its own.
    return exchange -> doFilter(exchange, new Chain(List.of(), handler));
  }

  @Override
  public String description() {
    return "Tailguard Idempotency-Key filter";
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    if (!GUARDED_METHODS.contains(exchange.getRequestMethod().toUpperCase(Locale.ROOT))) {
      chain.doFilter(exchange);
      return;
    }
    String owner = scope.apply(exchange);
    if (owner == null || owner.isBlank()) {
      send(exchange, new StoredResponse(401, Map.of(), new byte[0]));
      return;
    }
    // A body we cannot fingerprint whole must not be de-duplicated on a prefix, nor held in memory.
    if (declaredLength(exchange) > maxRequestBytes) {
      send(exchange, new StoredResponse(413, Map.of("Connection", List.of("close")), new byte[0]));
      return;
    }
    byte[] body = exchange.getRequestBody().readNBytes(maxRequestBytes + 1);
    if (body.length > maxRequestBytes) {
      send(exchange, new StoredResponse(413, Map.of("Connection", List.of("close")), new byte[0]));
      return;
    }
    IdempotencyGuard.Decision decision = guard.begin(owner, exchange.getRequestMethod(), pathAndQuery(exchange),
        exchange.getRequestHeaders().getFirst(IdempotencyGuard.HEADER), body);
    if (decision.response().isPresent()) {
      send(exchange, decision.response().get());
      return;
    }
    if (decision.ticket().isEmpty()) {
      BufferedExchange buffered = new BufferedExchange(exchange, body, null);
      chain.doFilter(buffered);
      buffered.sendTo(exchange);
      return;
    }
    IdempotencyGuard.Ticket ticket = decision.ticket().get();
    BufferedExchange buffered = new BufferedExchange(exchange, body, ticket);
    try (IdempotencyGuard.LeaseRenewal renewal = ticket.keepLeaseAlive()) {
      try {
        chain.doFilter(buffered);
      } catch (IOException | RuntimeException | Error failure) {
        releaseQuietly(ticket);
        throw failure;
      }
      try {
        ticket.complete(buffered.status(), exchange.getResponseHeaders(), buffered.bodyBytes());
      } catch (StoreUnavailableException unavailable) {
        // Every attempt failed. The handler ran; its answer still goes out. A retry finds the key
        // in progress until the lease ends, then runs again: the outage costs exactly-once here.
      }
    }
    buffered.sendTo(exchange);
  }

  /** The raw path and query: {@code ?amount=1} and {@code ?amount=1000} are different requests. */
  static String pathAndQuery(HttpExchange exchange) {
    String query = exchange.getRequestURI().getRawQuery();
    String path = exchange.getRequestURI().getRawPath();
    return query == null ? path : path + "?" + query;
  }

  private static long declaredLength(HttpExchange exchange) {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException malformed) {
      // The server itself refuses a malformed length; let it.
      return -1;
    }
  }

  private static void releaseQuietly(IdempotencyGuard.Ticket ticket) {
    try {
      ticket.release();
    } catch (StoreUnavailableException | RuntimeException ignored) {
      // The lease expires on its own.
    }
  }

  private static void send(HttpExchange exchange, StoredResponse response) throws IOException {
    response.headers().forEach((name, values) -> exchange.getResponseHeaders().put(name, List.copyOf(values)));
    byte[] body = response.body();
    exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
