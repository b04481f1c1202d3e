package dev.tailguard.lab.advise.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Form {@code access-log}: one column of a delimited log (CSV, TSV, or an nginx/Apache line split
 * on spaces), chosen by its 1-based index or by its name in a header line. Fields may be quoted
 * ({@code "GET / HTTP/1.1"}, with {@code ""} or {@code \"} inside) and, when splitting on spaces,
 * bracketed ({@code [02/Dec/2026:10:00:00 +0000]}); a quoted or bracketed field is one column. A
 * line whose column is missing, blank, not a number ({@code -} included), negative or not finite
 * is skipped and reported by number.
 */
public final class AccessLogColumn {
  private AccessLogColumn() {}

  /**
   * Reads {@code file}.
   *
   * @param column a 1-based index, or a header name (the first non-blank line is then the header)
   * @param delimiter one character, or {@code tab}, or {@code space} (runs of spaces and tabs)
   * @throws IllegalArgumentException naming the option when the column or delimiter is not usable
   */
  public static LatencySample read(Path file, String column, String delimiter, LatencyUnit unit) throws IOException {
    Splitter splitter = Splitter.of(delimiter);
    int index = index(column);
    LatencySample sample = new LatencySample();
    int[] chosen = {index};
    boolean[] headerSeen = {index >= 0};
    Lines.forEach(file, (line, number) -> {
      if (!headerSeen[0]) {
        if (line.isBlank()) {
          return;
        }
        headerSeen[0] = true;
        List<String> names = splitter.split(line);
        chosen[0] = names.stream().map(String::strip).toList().indexOf(column.strip());
        if (chosen[0] < 0) {
          throw new IllegalArgumentException("--column: no column named '" + column + "' in the header (line " + number + "): " + names);
        }
        return;
      }
      List<String> fields = splitter.split(line);
      if (chosen[0] >= fields.size()) {
        sample.bad(number, line, line.isBlank() ? "" : "has " + fields.size() + " column(s)");
        return;
      }
      String field = fields.get(chosen[0]);
      double value = Lines.parse(field);
      String why = Lines.rejection(field, value);
      if (why != null) {
        sample.bad(number, line, why.isEmpty() ? "column " + (chosen[0] + 1) + " is blank" : "column " + (chosen[0] + 1) + " '" + field.strip() + "' is " + why);
        return;
      }
      sample.record(unit.toMillis(value), 1);
    });
    if (!headerSeen[0]) {
      throw new IllegalArgumentException("--latencies: " + file + " has no header line naming column '" + column + "'");
    }
    return sample;
  }

  /** The 0-based index for a numeric column, or -1 for a header name. */
  private static int index(String column) {
    if (column == null || column.isBlank()) {
      throw new IllegalArgumentException("--column is needed with --format access-log: a 1-based index or a header name");
    }
    if (column.strip().matches("\\d+")) {
      int index = Integer.parseInt(column.strip());
      if (index < 1) {
        throw new IllegalArgumentException("--column: indexes start at 1: " + column);
      }
      return index - 1;
    }
    return -1;
  }

  /** Splits a line into fields, keeping quoted (and, on spaces, bracketed) fields whole. */
  static final class Splitter {
    private final char delimiter;
    private final boolean whitespace;

    private Splitter(char delimiter, boolean whitespace) {
      this.delimiter = delimiter;
      this.whitespace = whitespace;
    }

    static Splitter of(String delimiter) {
      if (delimiter == null || delimiter.equals(",")) {
        return new Splitter(',', false);
      }
      if (delimiter.equalsIgnoreCase("space") || delimiter.equals(" ")) {
        return new Splitter(' ', true);
      }
      if (delimiter.equalsIgnoreCase("tab") || delimiter.equals("\t") || delimiter.equals("\\t")) {
        return new Splitter('\t', false);
      }
      if (delimiter.length() != 1 || delimiter.equals("\"")) {
        throw new IllegalArgumentException("--delimiter must be one character (not a quote), 'tab' or 'space': '" + delimiter + "'");
      }
      return new Splitter(delimiter.charAt(0), false);
    }

    List<String> split(String line) {
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      int i = 0;
      int n = line.length();
      boolean started = false;
      while (i < n) {
        char c = line.charAt(i);
        if (whitespace && !started && (c == ' ' || c == '\t')) {
          i++;
          continue;
        }
        if (!started && (c == '"' || (whitespace && c == '['))) {
          char close = c == '"' ? '"' : ']';
          i++;
          while (i < n) {
            char inside = line.charAt(i);
            if (close == '"' && (inside == '\\' || inside == '"') && i + 1 < n && line.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
              continue;
            }
            if (inside == close) {
              i++;
              break;
            }
            field.append(inside);
            i++;
          }
          started = true;
          continue;
        }
        boolean separator = whitespace ? (c == ' ' || c == '\t') : c == delimiter;
        if (separator) {
          fields.add(field.toString());
          field.setLength(0);
          started = false;
          i++;
          continue;
        }
        field.append(c);
        started = true;
        i++;
      }
      if (started || !whitespace) {
        fields.add(field.toString());
      }
      return fields;
    }
  }
}
