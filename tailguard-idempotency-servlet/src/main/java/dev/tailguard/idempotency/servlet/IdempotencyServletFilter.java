package dev.tailguard.idempotency.servlet;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.StoreUnavailableException;
import dev.tailguard.idempotency.StoredResponse;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Honours {@code Idempotency-Key} in any Jakarta Servlet 6 container, with the contract of {@link
 * IdempotencyGuard}. POST and PATCH are guarded; other methods pass through.
 *
 * <p>The handler's response is buffered, stored, and only then written, so a connection that
 * drops after the work still leaves the answer for the client's retry. Request bodies are read
 * into memory to fingerprint them, up to {@code maxRequestBytes} (413 above it, declared or sent).
 * The fingerprint covers the method, the path with its query string, and the body.
 *
 * <p>The handler finds its {@link IdempotencyGuard.Ticket} as the request attribute {@link
 * IdempotencyGuard#TICKET_ATTRIBUTE}: its recovery point and fencing token. The lease is renewed
 * while the handler runs and while its outcome is stored.
 *
 * <p>Keys belong to a scope: {@link #scopedByPrincipal} uses {@link
 * HttpServletRequest#getUserPrincipal()} and answers 401 without one; there is no silent shared
 * "anonymous" key space. Register it after authentication, rate limiting and validation filters,
 * so that their refusals are never stored. Thread-safe.
 *
 * @since 0.1
 */
public final class IdempotencyServletFilter implements Filter {
  private static final Set<String> GUARDED_METHODS = Set.of("POST", "PATCH");

  private final IdempotencyGuard guard;
  private final Function<HttpServletRequest, String> scope;
  private final int maxRequestBytes;

  private IdempotencyServletFilter(IdempotencyGuard guard, Function<HttpServletRequest, String> scope, int maxRequestBytes) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.scope = Objects.requireNonNull(scope, "scope");
    if (maxRequestBytes < 0 || maxRequestBytes == Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxRequestBytes must be >= 0 and < Integer.MAX_VALUE: " + maxRequestBytes);
    }
    this.maxRequestBytes = maxRequestBytes;
  }

  /** Keys belong to the authenticated user; requests without one get 401. Bodies up to 1 MiB. */
  public static IdempotencyServletFilter scopedByPrincipal(IdempotencyGuard guard) {
    return new IdempotencyServletFilter(guard, request -> {
      Principal principal = request.getUserPrincipal();
      return principal == null ? null : principal.getName();
    }, 1 << 20);
  }

  /**
   * Keys belong to whatever {@code scope} returns (a tenant id, say); null or blank gets 401.
   *
   * @param maxRequestBytes the largest request body fingerprinted; larger requests get 413
   */
  public static IdempotencyServletFilter scopedBy(IdempotencyGuard guard, Function<HttpServletRequest, String> scope,
      int maxRequestBytes) {
    return new IdempotencyServletFilter(guard, scope, maxRequestBytes);
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) servletRequest;
    HttpServletResponse response = (HttpServletResponse) servletResponse;
    if (!GUARDED_METHODS.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
      chain.doFilter(request, response);
      return;
    }
    String owner = scope.apply(request);
    if (owner == null || owner.isBlank()) {
      response.setStatus(401);
      return;
    }
    // A body we cannot fingerprint whole must not be de-duplicated on a prefix, nor held in memory.
    if (request.getContentLengthLong() > maxRequestBytes) {
      tooLarge(response);
      return;
    }
    byte[] body = request.getInputStream().readNBytes(maxRequestBytes + 1);
    if (body.length > maxRequestBytes) {
      tooLarge(response);
      return;
    }
    // ?amount=1 and ?amount=1000 are different requests.
    String path = request.getQueryString() == null ? request.getRequestURI() : request.getRequestURI() + "?" + request.getQueryString();
    IdempotencyGuard.Decision decision = guard.begin(owner, request.getMethod(), path, request.getHeader(IdempotencyGuard.HEADER), body);
    if (decision.response().isPresent()) {
      write(response, decision.response().get());
      return;
    }
    BufferedRequest replayable = new BufferedRequest(request, body);
    BufferedResponse buffered = new BufferedResponse(response);
    if (decision.ticket().isEmpty()) {
      chain.doFilter(replayable, buffered);
      buffered.commitTo(response);
      return;
    }
    IdempotencyGuard.Ticket ticket = decision.ticket().get();
    replayable.setAttribute(IdempotencyGuard.TICKET_ATTRIBUTE, ticket);
    try (IdempotencyGuard.LeaseRenewal renewal = ticket.keepLeaseAlive()) {
      try {
        chain.doFilter(replayable, buffered);
      } catch (IOException | ServletException | RuntimeException | Error failure) {
        releaseQuietly(ticket);
        throw failure;
      }
      try {
        ticket.complete(buffered.status(), headers(response), buffered.bytes());
      } catch (StoreUnavailableException unavailable) {
        // Every attempt failed. The handler ran; its answer still goes out; the lease expires.
      }
    } finally {
      replayable.removeAttribute(IdempotencyGuard.TICKET_ATTRIBUTE);
    }
    buffered.commitTo(response);
  }

  private static Map<String, List<String>> headers(HttpServletResponse response) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String name : response.getHeaderNames()) {
      headers.put(name, new ArrayList<>(response.getHeaders(name)));
    }
    return headers;
  }

  private static void releaseQuietly(IdempotencyGuard.Ticket ticket) {
    try {
      ticket.release();
    } catch (StoreUnavailableException | RuntimeException ignored) {
      // The lease expires on its own.
    }
  }

  private static void tooLarge(HttpServletResponse response) {
    response.setStatus(413);
    response.setHeader("Connection", "close");
  }

  private static void write(HttpServletResponse response, StoredResponse stored) throws IOException {
    response.setStatus(stored.status());
    stored.headers().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
    response.setContentLength(stored.body().length);
    response.getOutputStream().write(stored.body());
  }
}
