package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bars for {@code lab storm}, checked on the JSON the command writes. */
class StormScenarioTest {
  @TempDir Path out;

  @Test
  void budgetsStopTheStormAndKeepSuccessWhenFailuresAreRare() throws Exception {
    assertThat(LabRunner.run("storm", "--out", out.toString())[0]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(out.resolve("storm.json"));

    assertThat(num(row(rows, "strategy", "retry-3", "failureRate", 1.0), "amplification")).isEqualTo(4.0);
    assertThat(num(row(rows, "strategy", "retry-3", "failureRate", 0.1), "amplification")).isBetween(1.09, 1.13);
    for (String budget : List.of("token-bucket", "ratio-budget", "sre-throttle")) {
      assertThat(num(row(rows, "strategy", budget, "failureRate", 1.0), "amplification")).as(budget).isLessThanOrEqualTo(1.25);
      assertThat(num(row(rows, "strategy", budget, "failureRate", 0.01), "successRate")).as(budget).isGreaterThanOrEqualTo(0.999);
    }
    assertThat(num(row(rows, "strategy", "ratio-budget", "failureRate", 0.1), "successRate")).isGreaterThanOrEqualTo(0.99);
    // Past its 9% cut-off the gRPC bucket stops retrying: success near the unretried 0.9.
    assertThat(num(row(rows, "strategy", "token-bucket", "failureRate", 0.1), "successRate")).isLessThan(0.95);
  }
}
