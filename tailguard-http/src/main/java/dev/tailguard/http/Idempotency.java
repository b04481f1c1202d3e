package dev.tailguard.http;

import java.net.http.HttpRequest;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Which requests may be sent twice, and the {@code Idempotency-Key} that makes a POST safe to
 * retry (IETF draft "The Idempotency-Key HTTP Header Field"; Stripe's SDKs).
 *
 * <ul>
 *   <li>GET, HEAD, OPTIONS, PUT, DELETE and TRACE may be retried or hedged.
 *   <li>POST and PATCH only with an {@code Idempotency-Key} header (or the caller's explicit
 *       opt-in).
 *   <li>{@link #withKey} adds a random UUID key, written as a structured-field string (quoted) as
 *       the draft requires, and never replaces a key the caller set (stripe-php #637).
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class Idempotency {
  /** The header's name. */
  public static final String HEADER = "Idempotency-Key";

  private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
  private static final Set<String> KEYED_METHODS = Set.of("POST", "PATCH");

  private Idempotency() {}

  /**
   * Whether the method is idempotent by definition (RFC 9110 §9.2.2). Method names are
   * case-sensitive (RFC 9110 §9.1): {@code delete} or {@code get} is an unknown method, not DELETE
   * or GET, and is not idempotent.
   */
  public static boolean isIdempotentMethod(String method) {
    return IDEMPOTENT_METHODS.contains(Objects.requireNonNull(method, "method"));
  }

  /** Whether the request may be sent more than once: an idempotent method, or a keyed request. */
  public static boolean isRetrySafe(HttpRequest request) {
    return isIdempotentMethod(request.method()) || request.headers().firstValue(HEADER).isPresent();
  }

  /** A new key: a random UUID as a structured-field string, {@code "8e03978e-…"} with the quotes. */
  public static String newKey() {
    return "\"" + UUID.randomUUID() + "\"";
  }

  /**
   * Returns the request with an {@code Idempotency-Key} when it is a POST or PATCH without one;
   * otherwise the request itself. The same returned request is then sent on every attempt, so
   * every retry and hedge carries the same key.
   */
  public static HttpRequest withKey(HttpRequest request) {
    Objects.requireNonNull(request, "request");
    boolean needsKey = KEYED_METHODS.contains(request.method())
        && request.headers().firstValue(HEADER).isEmpty();
    if (!needsKey) {
      return request;
    }
    return HttpRequest.newBuilder(request, (name, value) -> true).header(HEADER, newKey()).build();
  }
}
