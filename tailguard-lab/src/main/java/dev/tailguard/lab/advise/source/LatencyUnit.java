package dev.tailguard.lab.advise.source;

import java.util.Locale;

/** The unit a file's latencies are written in. */
public enum LatencyUnit {
  NS(1e-6), US(1e-3), MS(1), S(1000);

  private final double toMillis;

  LatencyUnit(double toMillis) {
    this.toMillis = toMillis;
  }

  /** Converts a value in this unit to milliseconds. */
  public double toMillis(double value) {
    return value * toMillis;
  }

  /**
   * Parses {@code ns}, {@code us}, {@code ms} or {@code s}, any case.
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  public static LatencyUnit parse(String text) {
    for (LatencyUnit unit : values()) {
      if (unit.name().equalsIgnoreCase(text.strip())) {
        return unit;
      }
    }
    throw new IllegalArgumentException("--unit must be ns, us, ms or s: '" + text + "'");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
