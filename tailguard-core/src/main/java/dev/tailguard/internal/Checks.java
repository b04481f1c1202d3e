package dev.tailguard.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks whose messages name the parameter and the offending value. */
public final class Checks {
  private Checks() {}

  public static void argument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  public static void state(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  public static <T> T notNull(T value, String name) {
    return Objects.requireNonNull(value, () -> name + " must not be null");
  }

  public static Duration nonNegative(Duration value, String name) {
    notNull(value, name);
    argument(!value.isNegative(), "%s must be >= 0: %s", name, value);
    return value;
  }

  public static Duration positive(Duration value, String name) {
    notNull(value, name);
    argument(!value.isNegative() && !value.isZero(), "%s must be > 0: %s", name, value);
    return value;
  }
}
