package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.lab.hedge.HedgeScenario;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path out;

  @Test
  void theReportIsOneSelfContainedPageWithPlotsTablesAnchorsAndLinks() throws Exception {
    ScenarioResult hedge = new HedgeScenario(2_000, 1_000, 1).run(new Progress("test", 1, false));
    ScenarioResult storm = new ScenarioResult("storm");
    storm.row(Row.of("strategy", "retry-3").with("failureRate", 0.1).with("amplification", 1.11).with("successRate", 1.0).build());
    storm.check("a bar", false, "<not met>");

    Path index = Report.write(List.of(hedge, storm), out);
    String html = Files.readString(index, StandardCharsets.UTF_8);

    Matcher images = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
    int count = 0;
    while (images.find()) {
      byte[] png = Base64.getDecoder().decode(images.group(1));
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      count++;
    }
    // hedge: a CDF and a tail plot per model (bimodal, yammer, brpc); storm: two bar charts.
    assertThat(count).isEqualTo(3 * 2 + 2);
    assertThat(html).contains("hedge: bimodal, CDF", "tail (1 - CDF, log scale)", "href=\"hedge.json\"", "href=\"storm.json\"",
        "<th>source</th>", "Bailis 2012", "class=\"fail\">FAIL</span> a bar: &lt;not met&gt;")
        .doesNotContain("http://", "https://www");
  }

  /** A result with one wall-clock check that could not tell, machine facts and a headline. */
  static ScenarioResult wallClockScenario() {
    ScenarioResult result = new ScenarioResult("http-hedge");
    result.row(Row.of("model", "bimodal").with("strategy", "adaptive").with("p999Ms", 29.3).build());
    PairedRounds.Estimate estimate = PairedRounds.estimate(6, picked -> 0.2 + 0.03 * picked[0], 1);
    WallClockCheck.atMost(result, "adaptive p999 <= 0.35 x none's", "ratio:", estimate, 0.25, "other processes used 60% of the CPU");
    result.check("every row ends with openExchanges = 0", true, "0 exchanges still open");
    result.headline("bimodal adaptive: p99.9 / none's", "0.27 (0.21-0.35)", "bar 0.35; 0.23 in virtual time");
    result.machine(MachineFacts.between(MachineFacts.now(), MachineFacts.now()));
    result.param("wallSeconds", 12.5);
    return result;
  }

  /** What a whatif section (issue 19, h19b) hands the report: a table and a plot. */
  static Report.Section extraSection() throws Exception {
    StringBuilder html = new StringBuilder("<p>your traffic</p>");
    Report.table(html, List.of(Row.of("strategy", "none").with("p99Ms", 40.0).build()));
    org.knowm.xchart.XYChart chart = new org.knowm.xchart.XYChartBuilder().width(400).height(200).title("whatif tail").build();
    chart.addSeries("none", new double[] {1, 2}, new double[] {1, 0.1});
    html.append(Report.image(chart));
    return new Report.Section("whatif", "What if: your traffic", html.toString());
  }

  @Test
  void theReportOpensWithTheSummaryThenTheWallClockVerdictsTheMachineAndExtraSections() throws Exception {
    ScenarioResult storm = new ScenarioResult("storm");
    storm.row(Row.of("strategy", "retry-3").with("failureRate", 1.0).with("amplification", 4.0).with("successRate", 0.0).build());
    storm.check("a bar", true, "met");
    storm.headline("retry-3 amplification at f = 1", "4.00x", "4.00x, Brooker 2022");

    String html = Files.readString(Report.write(List.of(storm, wallClockScenario()), List.of(extraSection()), out), StandardCharsets.UTF_8);

    int summary = html.indexOf("<h2 id=\"summary\">");
    int verdicts = html.indexOf("<h2 id=\"wall-clock\">");
    int machine = html.indexOf("<h2 id=\"machine\">");
    int extra = html.indexOf("<section class=\"extra\" id=\"whatif\">");
    int firstScenario = html.indexOf("<h2 id=\"storm\">");
    assertThat(summary).isPositive();
    assertThat(List.of(summary, verdicts, machine, extra, firstScenario)).isSorted();
    String summaryTable = html.substring(summary, verdicts);
    assertThat(summaryTable).contains("<a href=\"#storm\">storm</a>", "retry-3 amplification at f = 1", "4.00x, Brooker 2022",
        "<span class=\"inconclusive\">INCONCLUSIVE</span> adaptive p999", "<a href=\"#whatif\">What if: your traffic</a>");
    String verdictTable = html.substring(verdicts, machine);
    assertThat(verdictTable).contains("<td>0.25</td>", "<td>6</td>", "straddles the bar 0.25", "other processes used 60% of the CPU",
        "alt=\"http-hedge: adaptive p999 &lt;= 0.35 x none&#39;s\"".replace("&#39;", "'"));
    assertThat(html.substring(machine, extra)).contains("loadAverageStart", "neighbourCpuShare", "<td>12.5</td>");
    assertThat(html).contains("why: the 95% CI", "data-plots");
  }

  @Test
  void anExtraSectionNeedsAnIdThatIsAnAnchor() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Report.Section("what if", "t", ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("section id must be letters, digits and dashes: what if");
  }
}
