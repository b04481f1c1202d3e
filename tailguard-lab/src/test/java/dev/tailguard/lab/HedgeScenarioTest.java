package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bars for {@code lab hedge}, checked on the JSON the command writes. */
class HedgeScenarioTest {
  @TempDir Path out;

  @Test
  void meetsEveryPublishedBarAtItsDefaults() throws Exception {
    Object[] result = LabRunner.run("hedge", "--out", out.toString());
    assertThat(result[0]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(out.resolve("hedge.json"));

    Map<String, Object> adaptive = row(rows, "model", "bimodal", "strategy", "adaptive", "budget", 0.05);
    assertThat(num(adaptive, "extraLoad")).isLessThanOrEqualTo(0.055);
    assertThat(num(adaptive, "p999Ms")).isLessThanOrEqualTo(28.8);

    Map<String, Object> optimal = row(rows, "model", "bimodal", "strategy", "optimal", "budget", 0.01);
    assertThat(num(optimal, "extraLoad")).isLessThanOrEqualTo(0.011);
    assertThat(num(optimal, "p999Ms")).isLessThanOrEqualTo(33);

    double[] bailis = {170.0, 10.7, 5.6, 4.8, 4.5};
    for (int n = 1; n <= 5; n++) {
      double p999 = num(row(rows, "model", "yammer", "strategy", "clone", "n", n), "p999Ms");
      assertThat(p999).as("clone n=%s", n).isBetween(bailis[n - 1] * 0.95, bailis[n - 1] * 1.05);
    }

    assertThat(num(row(rows, "model", "brpc", "strategy", "fixed-2ms"), "p999Ms")).isLessThan(20);
    assertThat(num(row(rows, "model", "bimodal", "strategy", "none"), "p999Ms")).isGreaterThan(100);
    assertThat((String) result[1]).doesNotContain("[FAIL]");
  }

  @Test
  void theExampleTimelineShowsAHedgeBeatingASlowPrimary() {
    String timeline = new dev.tailguard.lab.hedge.HedgeScenario(1_000, 1_000, 1).exampleTimeline();
    assertThat(timeline).contains("won by #2").contains("CANCELLED").contains("hedge: #1 outstanding for 13.5ms");
  }

  @Test
  void tooFewRequestsForAP999IsAUsageError() {
    assertThat(LabRunner.run("hedge", "--requests", "10", "--out", out.toString())[0]).isEqualTo(2);
  }
}
