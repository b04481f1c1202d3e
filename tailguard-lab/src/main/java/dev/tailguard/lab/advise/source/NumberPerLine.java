package dev.tailguard.lab.advise.source;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Form {@code lines}: one latency per line. Lines that are blank, not numbers, negative or not
 * finite are skipped and reported by number.
 */
public final class NumberPerLine {
  private NumberPerLine() {}

  /** Reads {@code file}, whose numbers are in {@code unit}. */
  public static LatencySample read(Path file, LatencyUnit unit) throws IOException {
    LatencySample sample = new LatencySample();
    Lines.forEach(file, (line, number) -> {
      double value = Lines.parse(line);
      String why = Lines.rejection(line, value);
      if (why != null) {
        sample.bad(number, line, why);
        return;
      }
      sample.record(unit.toMillis(value), 1);
    });
    return sample;
  }
}
