package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Fuzzing of the server-hint headers a peer controls: {@code Retry-After} (delay-seconds and the
 * three HTTP-date forms) and {@code RateLimit-Reset}. {@code mvn verify} replays the seeds in
 * {@code src/test/resources/dev/tailguard/http/RetryAfterFuzzTestInputs/}; {@code scripts/fuzz.sh}
 * fuzzes for a chosen time.
 *
 * <p>Properties: no exception for any string; a delay is never negative and never above {@link
 * RetryAfter#SATURATED}; delay-seconds accepts only ASCII digits; a date in the past is zero.
 */
class RetryAfterFuzzTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @FuzzTest
  void retryAfterIsNeverNegativeNorOverflowing(String value) {
    assertBounded(RetryAfter.parse(value, NOW));
    assertBounded(RetryAfter.parse(value, Instant.MAX));
    assertBounded(RetryAfter.parse(value, Instant.MIN));
  }

  @FuzzTest
  void deltaSecondsAcceptsAsciiDigitsOnly(String value) {
    Optional<Duration> seconds = RetryAfter.deltaSeconds(value);
    assertBounded(seconds);
    assertThat(seconds.isPresent()).as("accepted %s", value).isEqualTo(value != null && value.matches("[0-9]+"));
  }

  @FuzzTest
  void rateLimitResetIsNeverNegativeNorOverflowing(String value) {
    assertBounded(RetryAfter.rateLimitReset(value, NOW));
    assertBounded(RetryAfter.rateLimitReset(value, Instant.MAX));
  }

  @FuzzTest
  void httpDatesAreRealDatesOrNothing(String value) {
    if (value == null) {
      return;
    }
    RetryAfter.httpDate(value).ifPresent(date -> {
      // Every accepted form names its weekday; an accepted date is a real one, so a past one
      // reads as zero and a future one as exactly the time until it.
      assertThat(RetryAfter.parse(value, date.plusSeconds(1))).contains(Duration.ZERO);
      assertThat(RetryAfter.parse(value, date.minusSeconds(5))).contains(Duration.ofSeconds(5));
    });
  }

  private static void assertBounded(Optional<Duration> delay) {
    delay.ifPresent(d -> assertThat(d).isBetween(Duration.ZERO, RetryAfter.SATURATED));
  }
}
