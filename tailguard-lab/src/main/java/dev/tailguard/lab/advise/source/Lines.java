package dev.tailguard.lab.advise.source;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Streams a text file line by line with 1-based line numbers; the file is never held in memory. */
final class Lines {
  /** Receives one line. */
  @FunctionalInterface
  interface Consumer {
    void accept(String line, long number);
  }

  private Lines() {}

  static void forEach(Path file, Consumer consumer) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      long number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        consumer.accept(line, number);
      }
    }
  }

  /** The number in {@code text}, or NaN when it is not one. */
  static double parse(String text) {
    String stripped = text.strip();
    if (stripped.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(stripped);
    } catch (NumberFormatException garbage) {
      return Double.NaN;
    }
  }

  /** Why a parsed latency is not one, or null when it is. */
  static String rejection(String text, double value) {
    if (text.isBlank()) {
      return "";
    }
    if (Double.isNaN(value) && !text.strip().equalsIgnoreCase("nan")) {
      return "not a number";
    }
    if (!Double.isFinite(value)) {
      return "not finite";
    }
    return value < 0 ? "negative" : null;
  }
}
