package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs the real scenario through the command line and reads back the JSON it wrote. */
class BackoffScenarioTest {
  @TempDir Path out;

  private int lab(String... args) {
    return new CommandLine(new Lab()).setOut(new java.io.PrintWriter(new ByteArrayOutputStream()))
        .setErr(new java.io.PrintWriter(new ByteArrayOutputStream())).execute(args);
  }

  @Test
  @SuppressWarnings("unchecked")
  void reproducesBrookersCallCountsAtOneHundredClients() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    System.setOut(new PrintStream(terminal, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = lab("backoff", "--clients", "100", "--out", out.toString());
    } finally {
      System.setOut(original);
    }
    assertThat(exit).isZero();

    Map<String, Object> json = ResultWriter.read(out.resolve("backoff.json"));
    assertThat(json).containsKeys("scenario", "params", "rows", "anchors");
    assertThat(json.get("scenario")).isEqualTo("backoff");
    List<Map<String, Object>> rows = (List<Map<String, Object>>) json.get("rows");
    List<Map<String, Object>> anchors = (List<Map<String, Object>>) json.get("anchors");
    assertThat(rows).extracting(r -> r.get("strategy")).containsExactly("none", "exponential", "full", "equal", "decorrelated");
    for (Map<String, Object> anchor : anchors) {
      Map<String, Object> ours = rows.stream().filter(r -> r.get("strategy").equals(anchor.get("strategy"))).findFirst().orElseThrow();
      double calls = ((Number) ours.get("calls")).doubleValue();
      double expected = ((Number) anchor.get("calls")).doubleValue();
      assertThat(calls).as("calls for %s", anchor.get("strategy")).isBetween(expected * 0.9, expected * 1.1);
    }
    double exponential = completion(rows, "exponential");
    for (String other : List.of("none", "full", "equal", "decorrelated")) {
      assertThat(exponential).as("exponential vs %s", other).isGreaterThan(5 * completion(rows, other));
    }
    assertThat(terminal.toString(StandardCharsets.UTF_8)).contains("[PASS]").doesNotContain("[FAIL]");
  }

  @Test
  void theSameSeedGivesTheSameNumbers() throws Exception {
    Path a = out.resolve("a");
    Path b = out.resolve("b");
    PrintStream original = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      lab("backoff", "--clients", "20", "--runs", "10", "--seed", "9", "--out", a.toString());
      lab("backoff", "--clients", "20", "--runs", "10", "--seed", "9", "--out", b.toString());
    } finally {
      System.setOut(original);
    }
    assertThat(ResultWriter.read(a.resolve("backoff.json")).get("rows"))
        .isEqualTo(ResultWriter.read(b.resolve("backoff.json")).get("rows"));
  }

  @Test
  void badFlagsAreRejectedWithAUsageErrorAndNothingWritten() {
    assertThat(lab("backoff", "--runs", "0", "--out", out.toString())).isEqualTo(2);
    assertThat(lab("backoff", "--clients", "0,10", "--out", out.toString())).isEqualTo(2);
    assertThat(lab("backoff", "--clients", "ten", "--out", out.toString())).isEqualTo(2);
    assertThat(Files.exists(out.resolve("backoff.json"))).isFalse();
  }

  private static double completion(List<Map<String, Object>> rows, String strategy) {
    return rows.stream().filter(r -> r.get("strategy").equals(strategy)).findFirst()
        .map(r -> ((Number) r.get("completionMs")).doubleValue()).orElseThrow();
  }
}
