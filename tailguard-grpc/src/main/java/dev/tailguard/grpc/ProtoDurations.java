package dev.tailguard.grpc;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations in proto-JSON form: decimal seconds with an {@code s} suffix, e.g. {@code "0.5s"}. */
final class ProtoDurations {
  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
  /** Ten thousand years, as in google.protobuf.Duration's range. */
  private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(315_576_000_000L);

  private ProtoDurations() {}

  /** Parses {@code value}; returns null when it is not a non-negative proto-JSON duration. */
  static Duration parse(String value) {
    if (value == null || value.length() < 2 || !value.endsWith("s")) {
      return null;
    }
    String number = value.substring(0, value.length() - 1);
    // Digits and at most one point: no sign, exponent or spaces.
    if (!number.matches("[0-9]+(\\.[0-9]{1,9})?")) {
      return null;
    }
    BigDecimal seconds = new BigDecimal(number);
    if (seconds.compareTo(MAX_SECONDS) > 0) {
      return null;
    }
    BigDecimal nanos = seconds.multiply(NANOS_PER_SECOND);
    return Duration.ofSeconds(seconds.longValue(), nanos.remainder(NANOS_PER_SECOND).longValueExact());
  }

  static String format(Duration duration) {
    BigDecimal seconds = BigDecimal.valueOf(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9));
    String plain = seconds.stripTrailingZeros().toPlainString();
    return plain + "s";
  }
}
