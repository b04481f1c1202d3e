package dev.tailguard.idempotency;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
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
 * <p>The key space is per scope. {@link #scopedByPrincipal} uses the {@link HttpPrincipal} an
 * {@code Authenticator} set and answers 401 when there is none: there is no silent shared
 * "anonymous" scope, which would let one client read another's responses. {@link #scopedBy}
 * takes any function (an API key's tenant, say); a null or blank scope is refused the same way.
 *
 * @since 0.1
 */
public final class IdempotencyFilter extends Filter {
  private static final Set<String> GUARDED_METHODS = Set.of("POST", "PATCH");

  private final IdempotencyGuard guard;
  private final Function<HttpExchange, String> scope;

  private IdempotencyFilter(IdempotencyGuard guard, Function<HttpExchange, String> scope) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.scope = Objects.requireNonNull(scope, "scope");
  }

  /** Keys belong to the authenticated principal ({@code realm:username}). */
  public static IdempotencyFilter scopedByPrincipal(IdempotencyGuard guard) {
    return new IdempotencyFilter(guard, exchange -> {
      HttpPrincipal principal = exchange.getPrincipal();
      return principal == null ? null : principal.getName();
    });
  }

  /** Keys belong to whatever {@code scope} returns for the exchange; null means unauthenticated. */
  public static IdempotencyFilter scopedBy(IdempotencyGuard guard, Function<HttpExchange, String> scope) {
    return new IdempotencyFilter(guard, scope);
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
    byte[] body = exchange.getRequestBody().readAllBytes();
    IdempotencyGuard.Decision decision = guard.begin(owner, exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
        exchange.getRequestHeaders().getFirst(IdempotencyGuard.HEADER), body);
    if (decision.response().isPresent()) {
      send(exchange, decision.response().get());
      return;
    }
    BufferedExchange buffered = new BufferedExchange(exchange, body);
    if (decision.ticket().isEmpty()) {
      chain.doFilter(buffered);
      buffered.sendTo(exchange);
      return;
    }
    IdempotencyGuard.Ticket ticket = decision.ticket().get();
    try {
      chain.doFilter(buffered);
    } catch (IOException | RuntimeException | Error failure) {
      releaseQuietly(ticket);
      throw failure;
    }
    try {
      ticket.complete(buffered.status(), exchange.getResponseHeaders(), buffered.bodyBytes());
    } catch (StoreUnavailableException unavailable) {
      // The handler ran; its answer still goes out. A retry will find the key in progress until
      // the lease ends, then run again: the store's outage is what costs exactly-once here.
    }
    buffered.sendTo(exchange);
  }

  private static void releaseQuietly(IdempotencyGuard.Ticket ticket) {
    try {
      ticket.release();
    } catch (StoreUnavailableException ignored) {
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
