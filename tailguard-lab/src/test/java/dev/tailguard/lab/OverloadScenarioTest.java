package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bars for {@code lab overload}, checked on the JSON the command writes. */
class OverloadScenarioTest {
  @TempDir Path out;

  @Test
  void budgetsBreakersAndThrottlesContainAStormThatPlainRetriesCause() throws Exception {
    assertThat(LabRunner.run("overload", "--out", out.toString())[0]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(out.resolve("overload.json"));

    assertThat(num(row(rows, "strategy", "retry-3", "overload", 2), "backendLoad")).isGreaterThanOrEqualTo(2.5);
    for (String strategy : List.of("retry-3+token-bucket", "retry-3+breaker", "sre-k1.1", "sre-k1.5", "sre-k2")) {
      for (double overload : new double[] {2, 3}) {
        assertThat(num(row(rows, "strategy", strategy, "overload", overload), "backendLoad")).as("%s at L=%s", strategy, overload)
            .isLessThanOrEqualTo(1.25);
      }
    }
    assertThat(num(row(rows, "strategy", "sre-k2", "overload", 2), "goodput")).isGreaterThanOrEqualTo(0.85);
    assertThat(num(row(rows, "strategy", "retry-3+token-bucket", "overload", 2), "goodput")).isGreaterThanOrEqualTo(0.85);
    assertThat(num(row(rows, "strategy", "sre-k2", "overload", 3), "goodput")).isGreaterThanOrEqualTo(0.85);
    for (double overload : new double[] {2, 3}) {
      assertThat(num(row(rows, "strategy", "retry-3+breaker", "overload", overload), "recoverySeconds")).isLessThanOrEqualTo(11);
    }
    // SRE book: at K = 2 the backend rejects about one request for each one it serves.
    assertThat(num(row(rows, "strategy", "sre-k2", "overload", 2), "rejectedShare")).isBetween(0.4, 0.6);
  }
}
