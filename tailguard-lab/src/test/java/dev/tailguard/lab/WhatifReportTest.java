package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.lab.whatif.WhatifReport;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's {@code whatif} section: there when whatif ran, with its table and tail plot, kept by a later full run. */
class WhatifReportTest {
  @TempDir Path dir;

  /** A small file of Brooker's bimodal model, one latency in ms per line. */
  static Path bimodalFile(Path dir, int samples) throws Exception {
    Path file = dir.resolve("my-latencies.txt");
    SplittableRandom random = new SplittableRandom(7);
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      for (int i = 0; i < samples; i++) {
        double ms = random.nextDouble() < 0.01 ? 100 + 10 * random.nextGaussian() : 10 + 2 * random.nextGaussian();
        out.write(String.format(Locale.ROOT, "%.4f%n", Math.max(0, ms)));
      }
    }
    return file;
  }

  /** Runs a small whatif into {@code out}: none, fixed at the p95 and clone-2. */
  static void whatif(Path file, Path out) {
    Object[] run = LabRunner.run("whatif", "--latencies", file.toString(), "--out", out.toString(), "--requests", "5000",
        "--fixed-at", "0.95", "--adaptive", "none", "--optimal", "none", "--clone", "2", "--retry-timeout-at", "none");
    assertThat(run[0]).as((String) run[1]).isEqualTo(0);
    assertThat((String) run[1]).contains("the whatif section of " + out.resolve("index.html"));
  }

  @Test
  void whatifAddsItsSectionToTheReportOfTheLastFullRunAndReplacesItsOwnOnTheNextRun() throws Exception {
    Path out = dir.resolve("lab-out");
    ScenarioResult storm = new ScenarioResult("storm");
    storm.row(Row.of("strategy", "retry-3").with("failureRate", 1.0).with("amplification", 4.0).with("successRate", 0.0).build());
    storm.check("a bar", true, "met");
    Report.write(List.of(storm), out);
    Path file = bimodalFile(dir, 20_000);

    whatif(file, out);
    whatif(file, out);

    String html = Files.readString(out.resolve("index.html"), StandardCharsets.UTF_8);
    // The full run's page is still there, with one whatif section (the second run replaced the first) after the summary, before the scenarios.
    assertThat(count(html, "<section class=\"extra\" id=\"whatif\">")).isEqualTo(1);
    assertThat(count(html, "<a href=\"#whatif\">")).isEqualTo(1);
    int summary = html.indexOf("<h2 id=\"summary\">");
    int whatif = html.indexOf("<section class=\"extra\" id=\"whatif\">");
    int storms = html.indexOf("<h2 id=\"storm\">");
    assertThat(List.of(summary, whatif, storms)).isSorted().allMatch(i -> i >= 0);
    assertThat(html.substring(summary, whatif)).contains("<a href=\"#whatif\">whatif: your latencies through the real engines</a>");
    String section = html.substring(whatif, storms);
    assertWhatifSection(section, file);
  }

  /** The section's content: what ran, the strategy table, the best strategy beside none, the tail plot, the notes. */
  static void assertWhatifSection(String section, Path file) {
    assertThat(section).contains(file.toString(), "format lines", "20000 samples", "5000 calls per strategy", "correlation 0.0",
        "<th>strategy</th>", "<th>p999Ms</th>", "<th>extraLoad</th>", "<th>p999VsNone</th>",
        "<td>none</td>", "<td>clone n=2</td>", "fixed at p95 (", "Lowest p99.9: clone n=2, ", "ms without hedging, for 1.0 extra load",
        "alt=\"whatif: latency tail, P(latency &gt; t), log scale\"", "Every row runs the real engine of tailguard-core");
    Matcher png = Pattern.compile("alt=\"whatif: latency tail[^\"]*\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(section);
    assertThat(png.find()).as("the tail plot inline").isTrue();
    assertThat(Base64.getDecoder().decode(png.group(1))).startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void withoutAReportWhatifWritesAPageOfItsOwnAndAFullRunKeepsTheSection() throws Exception {
    Path out = dir.resolve("fresh");
    Path file = bimodalFile(dir, 20_000);
    assertThat(WhatifReport.fromOutDir(out)).isEmpty();

    whatif(file, out);
    String alone = Files.readString(out.resolve("index.html"), StandardCharsets.UTF_8);
    assertWhatifSection(alone.substring(alone.indexOf("<section class=\"extra\" id=\"whatif\">")), file);

    // What the full lab run does when it rewrites the page: the section read back from whatif.json and whatif.png.
    Report.Section kept = WhatifReport.fromOutDir(out).orElseThrow();
    String rewritten = Files.readString(Report.write(List.of(ReportTest.wallClockScenario()), List.of(kept), out), StandardCharsets.UTF_8);
    assertWhatifSection(rewritten.substring(rewritten.indexOf("<section class=\"extra\" id=\"whatif\">")), file);
    assertThat(rewritten).contains("<h2 id=\"http-hedge\">");
  }

  private static int count(String text, String needle) {
    return text.split(Pattern.quote(needle), -1).length - 1;
  }
}
