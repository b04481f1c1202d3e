package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailguard.lab.hedge.HedgeScenario;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a browser shows it: headless Chromium opens {@code index.html}, and the page must
 * log nothing on its console and mark every plot as decoded. Skipped, saying why, when no Chromium
 * is installed; .ci/run installs Debian's.
 */
class ReportInChromiumTest {
  @TempDir Path out;
  private static Optional<Path> chromium;
  private static ScenarioResult hedge;

  @BeforeAll
  static void findChromiumAndRunAScenario() throws Exception {
    chromium = HeadlessChromium.find();
    if (chromium.isPresent()) {
      hedge = new HedgeScenario(2_000, 1_000, 1).run(new Progress("test", 1, false));
    }
  }

  @Test
  void everyPlotOfTheReportRendersInChromiumWithNoConsoleErrors() throws Exception {
    assumeTrue(chromium.isPresent(), "no Chromium: set TAILGUARD_CHROMIUM or install chromium (.ci/run installs Debian's package)");
    Path index = Report.write(List.of(hedge, ReportTest.wallClockScenario()), List.of(ReportTest.extraSection()), out);
    int plots = count(Files.readString(index, StandardCharsets.UTF_8), "<img ");

    HeadlessChromium.Page page = HeadlessChromium.open(chromium.get(), index, out);

    // hedge: CDF and tail for 3 models; the wall-clock check's noise plot; the extra section's plot.
    assertThat(plots).isEqualTo(3 * 2 + 1 + 1);
    assertThat(page.console()).as("console of %s", index).isEmpty();
    assertThat(page.dom()).contains("data-plots=\"" + plots + "/" + plots + "\"");
  }

  @Test
  void theWhatifSectionAWhatifRunAddsRendersWithEveryPlotAndNoConsoleErrors() throws Exception {
    assumeTrue(chromium.isPresent(), "no Chromium: set TAILGUARD_CHROMIUM or install chromium (.ci/run installs Debian's package)");
    Report.write(List.of(hedge, ReportTest.wallClockScenario()), out);
    Path file = WhatifReportTest.bimodalFile(out, 20_000);
    WhatifReportTest.whatif(file, out);
    Path index = out.resolve("index.html");
    int plots = count(Files.readString(index, StandardCharsets.UTF_8), "<img ");

    HeadlessChromium.Page page = HeadlessChromium.open(chromium.get(), index, out);

    // hedge: CDF and tail for 3 models; the wall-clock check's noise plot; whatif's tail plot.
    assertThat(plots).isEqualTo(3 * 2 + 1 + 1);
    assertThat(page.console()).as("console of %s", index).isEmpty();
    assertThat(page.dom()).contains("data-plots=\"" + plots + "/" + plots + "\"", "<section class=\"extra\" id=\"whatif\">",
        "Lowest p99.9: clone n=2", "alt=\"whatif: latency tail, P(latency");
  }

  @Test
  void aPlotThatDoesNotDecodeIsCaughtAndLogged() throws Exception {
    assumeTrue(chromium.isPresent(), "no Chromium: set TAILGUARD_CHROMIUM or install chromium (.ci/run installs Debian's package)");
    Report.Section broken = new Report.Section("broken", "A broken plot", "<img alt=\"not a png\" src=\"data:image/png;base64,AAAA\">");
    Path index = Report.write(List.of(ReportTest.wallClockScenario()), List.of(broken), out);

    HeadlessChromium.Page page = HeadlessChromium.open(chromium.get(), index, out);

    assertThat(page.dom()).contains("data-plots=\"1/2\"");
    assertThat(page.console()).anySatisfy(line -> assertThat(line).contains("plot not rendered: not a png"));
  }

  private static int count(String text, String needle) {
    Matcher matcher = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (matcher.find()) {
      n++;
    }
    return n;
  }
}
