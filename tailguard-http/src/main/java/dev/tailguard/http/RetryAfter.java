package dev.tailguard.http;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/**
 * Strict parsing of the server hints that say when to retry: {@code Retry-After} (RFC 9110
 * §10.2.3) and the {@code RateLimit-Reset} / {@code X-RateLimit-Reset} seconds.
 *
 * <p>{@code Retry-After} is either delay-seconds — ASCII digits only, so {@code +5}, {@code 1.5},
 * {@code Infinity}, {@code ١٢٠} and {@code 5, 10} are ignored — or an HTTP-date in any of its
 * three forms: IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), RFC 850 ({@code Sunday,
 * 06-Nov-94 08:49:37 GMT}) and asctime ({@code Sun Nov  6 08:49:37 1994}). A date in the past
 * means zero; a value too large for a {@link Duration} saturates instead of overflowing into a
 * burst of immediate retries (go-retryablehttp #297). Whatever cannot be parsed is ignored, so the
 * normal backoff applies. Capping at a maximum and at the deadline is the retry policy's job
 * ({@code RetryPolicy.maxServerDelay}).
 *
 * <p>Stateless and thread-safe.
 */
public final class RetryAfter {
  /** The largest delay this parser returns: far beyond any sane cap, safe for every Duration use. */
  static final Duration SATURATED = Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L);

  private static final Map<String, Integer> MONTHS = Map.ofEntries(
      Map.entry("Jan", 1), Map.entry("Feb", 2), Map.entry("Mar", 3), Map.entry("Apr", 4), Map.entry("May", 5), Map.entry("Jun", 6),
      Map.entry("Jul", 7), Map.entry("Aug", 8), Map.entry("Sep", 9), Map.entry("Oct", 10), Map.entry("Nov", 11), Map.entry("Dec", 12));
  private static final java.util.Set<String> DAYS = java.util.Set.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun");
  private static final java.util.Set<String> LONG_DAYS =
      java.util.Set.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday");

  private RetryAfter() {}

  /**
   * Parses a {@code Retry-After} value.
   *
   * @param value the header value, or null
   * @param now the current wall-clock time, for HTTP-dates
   * @return the delay, never negative; empty when the value is absent or not valid
   */
  public static Optional<Duration> parse(String value, Instant now) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    Optional<Duration> seconds = deltaSeconds(value);
    if (seconds.isPresent()) {
      return seconds;
    }
    return httpDate(value).map(date -> {
      Duration until = Duration.between(now, date);
      // A date in the past means "now" (curl #15833), never a negative wait.
      return until.isNegative() ? Duration.ZERO : until;
    });
  }

  /**
   * Parses delay-seconds: one or more ASCII digits and nothing else. Values too large for a
   * Duration saturate.
   */
  public static Optional<Duration> deltaSeconds(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    long seconds = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // Only ASCII digits: Character.isDigit would accept Arabic-Indic and other digits.
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
      if (seconds > (SATURATED.getSeconds() - (c - '0')) / 10) {
        seconds = SATURATED.getSeconds();
        continue;
      }
      seconds = seconds * 10 + (c - '0');
    }
    return Optional.of(Duration.ofSeconds(seconds));
  }

  /**
   * Parses {@code RateLimit-Reset} or {@code X-RateLimit-Reset} given as delta-seconds. (Some
   * servers send a Unix timestamp in {@code X-RateLimit-Reset}; a value above ten years of
   * seconds is read as one.)
   */
  public static Optional<Duration> rateLimitReset(String value, Instant now) {
    return deltaSeconds(value).map(seconds -> {
      if (seconds.compareTo(Duration.ofDays(3650)) > 0 && seconds.compareTo(SATURATED) < 0) {
        Duration until = Duration.between(now, Instant.ofEpochSecond(seconds.getSeconds()));
        return until.isNegative() ? Duration.ZERO : until;
      }
      return seconds;
    });
  }

  /** Parses an HTTP-date in any of the three forms RFC 9110 §5.6.7 requires recipients to accept. */
  public static Optional<Instant> httpDate(String value) {
    try {
      String[] parts = value.split(" +");
      // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      if (parts.length == 6 && parts[0].length() == 4 && parts[0].endsWith(",") && DAYS.contains(parts[0].substring(0, 3))
          && parts[5].equals("GMT") && parts[1].length() == 2 && parts[3].length() == 4) {
        return Optional.of(instant(number(parts[3]), month(parts[2]), number(parts[1]), parts[4]));
      }
      // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years within 50 years, RFC 9110).
      if (parts.length == 4 && parts[0].endsWith(",") && LONG_DAYS.contains(parts[0].substring(0, parts[0].length() - 1))
          && parts[3].equals("GMT")) {
        String[] date = parts[1].split("-");
        if (date.length == 3 && date[0].length() == 2 && date[2].length() == 2) {
          int year = number(date[2]);
          year += year < 70 ? 2000 : 1900;
          return Optional.of(instant(year, month(date[1]), number(date[0]), parts[2]));
        }
      }
      // asctime: Sun Nov  6 08:49:37 1994
      if (parts.length == 5 && DAYS.contains(parts[0]) && parts[4].length() == 4 && parts[2].length() <= 2) {
        return Optional.of(instant(number(parts[4]), month(parts[1]), number(parts[2]), parts[3]));
      }
    } catch (DateTimeException | IllegalArgumentException invalid) {
      // Thu, 31 Feb 2025 and friends: not a date, so no hint.
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static Instant instant(int year, int month, int day, String time) {
    String[] hms = time.split(":");
    if (hms.length != 3 || hms[0].length() != 2 || hms[1].length() != 2 || hms[2].length() != 2) {
      throw new IllegalArgumentException("time " + time);
    }
    LocalTime clock = LocalTime.of(number(hms[0]), number(hms[1]), number(hms[2]));
    return LocalDateTime.of(LocalDate.of(year, month, day), clock).toInstant(ZoneOffset.UTC);
  }

  private static int month(String name) {
    Integer month = MONTHS.get(name);
    if (month == null) {
      throw new IllegalArgumentException("month " + name);
    }
    return month;
  }

  private static int number(String digits) {
    if (digits.isEmpty() || digits.length() > 4) {
      throw new IllegalArgumentException("number " + digits);
    }
    int n = 0;
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException("number " + digits);
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
