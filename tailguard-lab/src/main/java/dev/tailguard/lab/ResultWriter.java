package dev.tailguard.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a scenario's JSON file and prints its tables, checks and notes. */
public final class ResultWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ResultWriter() {}

  public static Path write(ScenarioResult result, Path outDir) throws IOException {
    Files.createDirectories(outDir);
    Path file = outDir.resolve(result.scenario() + ".json");
    JSON.writeValue(file.toFile(), result.toJson());
    return file;
  }

  public static void print(ScenarioResult result, PrintStream out) {
    TextTable.print(out, "== " + result.scenario() + ": Tailguard", result.rows());
    TextTable.print(out, "== " + result.scenario() + ": published anchors", result.anchors());
    for (Map<String, Object> check : result.checks()) {
      out.printf("[%s] %s: %s%n", ScenarioResult.verdictOf(check), check.get("name"), check.get("detail"));
      if (check.get("reason") != null) {
        out.println("    why: " + check.get("reason"));
      }
    }
    if (!result.checks().isEmpty()) {
      out.println();
    }
    if (!result.machine().isEmpty()) {
      out.println("machine: " + result.machine());
    }
    for (String note : result.notes()) {
      out.println("note: " + note);
    }
    if (!result.notes().isEmpty()) {
      out.println();
    }
  }

  /** Reads a written result back, for tests and the report. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), Map.class);
  }
}
