package dev.tailguard.internal;

import java.time.Duration;

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
    // A plain test, not requireNonNull's supplier: this runs on every call's path.
    if (value == null) {
      throw new NullPointerException(name + " must not be null");
    }
    return value;
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
