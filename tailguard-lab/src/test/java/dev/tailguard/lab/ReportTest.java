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
}
