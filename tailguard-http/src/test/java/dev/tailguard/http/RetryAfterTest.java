package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The bad inputs of RELIABILITY.md (d) 5–8, and the three date forms of RFC 9110. */
class RetryAfterTest {
  private static final Instant NOW = Instant.parse("1994-11-06T08:49:00Z");

  @ParameterizedTest
  @CsvSource({"120,120", "0,0", "007,7"})
  void acceptsDelaySecondsOfAsciiDigits(String value, long seconds) {
    assertThat(RetryAfter.parse(value, NOW)).contains(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "+5", "1.5", " 5 ", "5, 10", "١٢٠", "Infinity", "NaN", "1e3", "abc", "", "5s", "0x10"})
  void ignoresAnythingElseSoTheBackoffApplies(String value) {
    assertThat(RetryAfter.parse(value, NOW)).isEmpty();
  }

  @Test
  void hugeValuesSaturateInsteadOfOverflowingIntoABurst_goRetryablehttp297() {
    for (String huge : new String[] {"9223372037", "99999999999999999999", "9".repeat(400)}) {
      Duration parsed = RetryAfter.parse(huge, NOW).orElseThrow();
      assertThat(parsed).isPositive().isGreaterThan(Duration.ofDays(100));
      assertThat(parsed.toNanos()).isPositive(); // usable without ArithmeticException
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"})
  void parsesAllThreeHttpDateForms(String value) {
    assertThat(RetryAfter.parse(value, NOW)).contains(Duration.ofSeconds(37));
  }

  @Test
  void aDateInThePastMeansNow_curl15833() {
    assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", NOW)).contains(Duration.ZERO);
  }

  @Test
  void aFarFutureDateIsALongDelayForTheCapToHandle() {
    assertThat(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", NOW).orElseThrow()).isGreaterThan(Duration.ofDays(365L * 8000));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Thu, 31 Feb 2025 10:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 +0500", "Sun, 06 Nov 1994 25:49:37 GMT",
      "Sun, 6 Nov 1994 08:49:37 GMT", "Funday, 06-Nov-94 08:49:37 GMT", "Sun Foo  6 08:49:37 1994"})
  void rejectsInvalidDates(String value) {
    assertThat(RetryAfter.parse(value, NOW)).isEmpty();
  }

  @Test
  void rateLimitResetIsSecondsOrAUnixTimestamp() {
    assertThat(RetryAfter.rateLimitReset("30", NOW)).contains(Duration.ofSeconds(30));
    long inAMinute = NOW.getEpochSecond() + 60;
    assertThat(RetryAfter.rateLimitReset(Long.toString(inAMinute), NOW)).contains(Duration.ofSeconds(60));
    assertThat(RetryAfter.rateLimitReset("soon", NOW)).isEmpty();
  }
  @Test
  void delaySecondsJustBelowTheSaturationPointAreExactAndJustAboveSaturateExactly() {
    // 9223372036 s is RetryAfter.SATURATED (Long.MAX_VALUE nanoseconds in whole seconds).
    assertThat(RetryAfter.deltaSeconds("9223372036")).contains(RetryAfter.SATURATED);
    assertThat(RetryAfter.deltaSeconds("9223372030")).as("a value below the bound is not rounded up to it")
        .contains(Duration.ofSeconds(9_223_372_030L));
    assertThat(RetryAfter.deltaSeconds("9223372037")).as("one above saturates, never wraps")
        .contains(RetryAfter.SATURATED);
    assertThat(RetryAfter.deltaSeconds("92233720369")).contains(RetryAfter.SATURATED);
  }

  @Test
  void rateLimitResetReadsExactlyTenYearsAsSecondsAndASaturatedValueAsItself() {
    long tenYears = Duration.ofDays(3650).getSeconds();
    assertThat(RetryAfter.rateLimitReset(Long.toString(tenYears), NOW)).contains(Duration.ofDays(3650));
    assertThat(RetryAfter.rateLimitReset(Long.toString(tenYears + 1), NOW))
        .as("one more is a Unix timestamp (1979, in the past of NOW): no wait").contains(Duration.ZERO);
    assertThat(RetryAfter.rateLimitReset("9223372036", NOW)).as("the saturated value is not a timestamp")
        .contains(RetryAfter.SATURATED);
  }

  @Test
  void rfc850TwoDigitYearsBelow70AreThisCenturyAnd70IsTheLast() {
    assertThat(RetryAfter.httpDate("Thursday, 01-Jan-70 00:00:00 GMT")).contains(Instant.EPOCH);
    assertThat(RetryAfter.httpDate("Tuesday, 31-Dec-69 23:59:59 GMT")).contains(Instant.parse("2069-12-31T23:59:59Z"));
  }

  @Test
  void asctimeAcceptsTwoDigitDaysButNotThree() {
    assertThat(RetryAfter.httpDate("Wed Nov 16 08:49:37 1994")).contains(Instant.parse("1994-11-16T08:49:37Z"));
    assertThat(RetryAfter.httpDate("Wed Nov 016 08:49:37 1994")).isEmpty();
  }
}
