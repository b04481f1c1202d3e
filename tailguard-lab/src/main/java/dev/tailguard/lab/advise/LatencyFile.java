package dev.tailguard.lab.advise;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Reads a file of latencies in milliseconds, one per line, into a histogram, streaming: the file
 * is never held in memory. Lines that are blank, not numbers, negative or not finite are skipped
 * and reported by line number.
 */
final class LatencyFile {
  /** Microsecond resolution up to an hour, three significant digits. */
  private static final long MAX_MICROS = 3_600_000_000L;
  private static final int REPORTED_BAD_LINES = 10;

  final Histogram micros = new Histogram(MAX_MICROS, 3);
  final List<String> badLines = new ArrayList<>();
  long badCount;
  long clamped;

  static LatencyFile read(Path file) throws IOException {
    LatencyFile latencies = new LatencyFile();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      long number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        latencies.accept(line, number);
      }
    }
    return latencies;
  }

  private void accept(String line, long number) {
    String text = line.strip();
    double millis;
    try {
      millis = text.isEmpty() ? Double.NaN : Double.parseDouble(text);
    } catch (NumberFormatException garbage) {
      millis = Double.NaN;
    }
    if (!Double.isFinite(millis) || millis < 0) {
      badCount++;
      if (badLines.size() < REPORTED_BAD_LINES) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
        badLines.add("line " + number + ": " + (text.isEmpty() ? "blank" : "'" + shown + "'"));
      }
      return;
    }
    long value = Math.round(millis * 1000);
    if (value > MAX_MICROS) {
      clamped++;
      value = MAX_MICROS;
    }
    micros.recordValue(value);
  }
}
