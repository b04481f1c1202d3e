package dev.tailguard.http;

import dev.tailguard.ServerHint;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads when the server wants the next attempt: {@code Retry-After} (delta-seconds or any of the
 * three HTTP-date forms), then {@code RateLimit-Reset} and {@code X-RateLimit-Reset}. Garbage is
 * ignored, so the normal backoff applies; a date in the past means now. Core then caps the delay
 * at the policy's {@code maxServerDelay}, never jitters it below the server's value, and gives up
 * at once when it lies beyond the deadline. Hints on successes are never consulted.
 *
 * <p><b>One rule for repeated headers.</b> When a response carries a header more than once (two
 * {@code Retry-After} lines, 5 then 10), only the <em>first</em> is read, on both adapters; the
 * others are ignored even when the first is not valid. A single value holding a list ({@code 5,
 * 10}, as some proxies join them) is not a valid delay and is ignored. OkHttp's {@code
 * Response.header(name)} returns the last value, so the OkHttp adapter reads through {@link
 * #fromHeaderValues} with {@code response::headers}.
 *
 * <p>Shared by the JDK and OkHttp adapters. Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class HttpServerHints {
  private HttpServerHints() {}

  static <T> ServerHint<HttpResponse<T>> reader(Clock wallClock) {
    return (response, error) -> response == null ? null : fromHeaders(response.headers(), wallClock).orElse(null);
  }

  static Optional<Duration> fromHeaders(HttpHeaders headers, Clock wallClock) {
    return fromHeaderValues(headers::allValues, wallClock);
  }

  /**
   * Reads the server's delay from every value of each header, applying the first-value rule
   * above. OkHttp: {@code HttpServerHints.fromHeaderValues(response::headers, clock)}.
   *
   * @param allValues returns all values of a header in the order received (empty or null when absent)
   * @param wallClock what "now" is for HTTP-dates
   * @return the delay, or empty when no header holds a valid hint
   */
  public static Optional<Duration> fromHeaderValues(Function<String, List<String>> allValues, Clock wallClock) {
    return delay(name -> firstValue(allValues.apply(name)), wallClock);
  }

  /** The value a repeated header counts with: its first, or null when there is none. */
  public static String firstValue(List<String> values) {
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * Reads the server's delay from response headers.
   *
   * @param header looks up a header's <em>first</em> value, or null when absent (see the rule
   *     for repeated headers above)
   * @param wallClock what "now" is for HTTP-dates
   * @return the delay, or empty when no header holds a valid hint
   */
  public static Optional<Duration> delay(java.util.function.Function<String, String> header, Clock wallClock) {
    Optional<String> retryAfter = Optional.ofNullable(header.apply("Retry-After"));
    if (retryAfter.isPresent()) {
      Optional<Duration> delay = RetryAfter.parse(retryAfter.get(), wallClock.instant());
      if (delay.isPresent()) {
        return delay;
      }
    }
    for (String name : new String[] {"RateLimit-Reset", "X-RateLimit-Reset"}) {
      Optional<String> reset = Optional.ofNullable(header.apply(name));
      if (reset.isPresent()) {
        Optional<Duration> delay = RetryAfter.rateLimitReset(reset.get(), wallClock.instant());
        if (delay.isPresent()) {
          return delay;
        }
      }
    }
    return Optional.empty();
  }
}
