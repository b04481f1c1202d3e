package dev.tailguard.lab;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds one ordered row of a result table. */
public final class Row {
  private final Map<String, Object> values = new LinkedHashMap<>();

  public static Row of(String key, Object value) {
    return new Row().with(key, value);
  }

  public Row with(String key, Object value) {
    values.put(key, value);
    return this;
  }

  public Map<String, Object> build() {
    return values;
  }

  /** Rounds to one decimal place, so JSON and tables stay readable. */
  public static double round1(double value) {
    return Math.round(value * 10.0) / 10.0;
  }
}
