package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lab http-hedge} over real loopback HTTP, checked for correctness: every strategy runs,
 * load is counted by the server, nothing is left open. Its latency bars are wall-clock numbers, so
 * they are the lab's own checks, not assertions here.
 */
class HttpHedgeScenarioTest {
  @TempDir Path out;

  @Test
  void everyStrategyRunsOverRealHttpAndLeavesNoExchangeOpen() throws Exception {
    Object[] result = LabRunner.run("http-hedge", "--requests", "1000", "--out", out.toString());
    assertThat(result[0]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(out.resolve("http-hedge.json"));

    assertThat(rows).hasSize(9);
    for (Map<String, Object> r : rows) {
      assertThat(num(r, "openExchanges")).as("open exchanges after %s/%s", r.get("model"), r.get("strategy")).isZero();
      assertThat(num(r, "serverRequests")).isGreaterThanOrEqualTo(1000);
      assertThat(num(r, "extraLoad")).isCloseTo((num(r, "serverRequests") - 1000) / 1000, org.assertj.core.data.Offset.offset(1e-4));
      if (!r.get("strategy").equals("retry-timeout")) {
        assertThat(num(r, "failures")).as("failures of %s/%s", r.get("model"), r.get("strategy")).isZero();
      }
    }
    for (String model : new String[] {"bimodal", "brpc"}) {
      assertThat(num(row(rows, "model", model, "strategy", "none"), "serverRequests")).as("no strategy, no extra request").isEqualTo(1000);
      assertThat(num(row(rows, "model", model, "strategy", "adaptive"), "extraLoad")).isLessThan(0.2);
    }
    assertThat((String) result[1]).contains("every row ends with openExchanges = 0");
    Map<String, Object> params = LabRunner.params(out.resolve("http-hedge.json"));
    assertThat(params).as("wall-clock numbers name the machine they came from")
        .containsEntry("cpus", Runtime.getRuntime().availableProcessors())
        .containsKeys("jvm", "commonPoolParallelism");
  }

  @Test
  void fewerThanAThousandRequestsOrNoCallersIsAUsageError() {
    assertThat(LabRunner.run("http-hedge", "--requests", "999", "--out", out.toString())[0]).isEqualTo(2);
    assertThat(LabRunner.run("http-hedge", "--callers", "0", "--out", out.toString())[0]).isEqualTo(2);
  }
}
