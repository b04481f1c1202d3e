package dev.tailguard.lab;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;

/** Runs the lab's command line in-process and reads back what it wrote. */
final class LabRunner {
  private LabRunner() {}

  /** Runs {@code lab args...}, capturing the terminal; returns the exit code and the output. */
  static Object[] run(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    System.setOut(new PrintStream(terminal, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(new Lab())
          .setOut(new PrintWriter(new ByteArrayOutputStream()))
          .setErr(new PrintWriter(new ByteArrayOutputStream()))
          .execute(args);
      return new Object[] {exit, terminal.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(original);
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rows(Path json) throws Exception {
    return (List<Map<String, Object>>) ResultWriter.read(json).get("rows");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> params(Path json) throws Exception {
    return (Map<String, Object>) ResultWriter.read(json).get("params");
  }

  /** The one row whose fields equal the given key/value pairs. */
  static Map<String, Object> row(List<Map<String, Object>> rows, Object... keyValues) {
    return rows.stream().filter(r -> {
      for (int i = 0; i < keyValues.length; i += 2) {
        Object actual = r.get((String) keyValues[i]);
        Object wanted = keyValues[i + 1];
        boolean same = actual instanceof Number && wanted instanceof Number
            ? ((Number) actual).doubleValue() == ((Number) wanted).doubleValue()
            : Objects.equals(actual, wanted);
        if (!same) {
          return false;
        }
      }
      return true;
    }).findFirst().orElseThrow(() -> new AssertionError("no row " + List.of(keyValues)));
  }

  static double num(Map<String, Object> row, String key) {
    return ((Number) row.get(key)).doubleValue();
  }
}
