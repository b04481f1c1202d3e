package dev.tailguard.lab;

import static dev.tailguard.lab.LabRunner.num;
import static dev.tailguard.lab.LabRunner.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 20's bars for {@code lab overload-latency} (seed 1, virtual time), checked on the JSON the command writes. */
class LatencyOverloadScenarioTest {
  @TempDir Path out;

  @Test
  void atThreeTimesCapacityTheAdaptiveLimitsKeepGoodputAndTheTailAndBeatEveryOtherRow() throws Exception {
    assertThat(LabRunner.run("overload-latency", "--out", out.toString())[0]).isEqualTo(0);
    List<Map<String, Object>> rows = LabRunner.rows(out.resolve("overload-latency.json"));
    double unloadedP99 = num(row(rows, "strategy", "none", "overload", 2), "unloadedP99Ms");
    for (String adaptive : List.of("gradient", "vegas")) {
      Map<String, Object> r = row(rows, "strategy", adaptive, "overload", 3);
      assertThat(num(r, "goodput")).as(adaptive).isGreaterThanOrEqualTo(0.9);
      assertThat(num(r, "p99ServedMs")).as(adaptive).isLessThanOrEqualTo(2 * unloadedP99);
      assertThat(num(r, "recoverySeconds")).as(adaptive).isLessThanOrEqualTo(5);
      for (String other : List.of("none", "retry-3", "retry-3+token-bucket", "sre-k2", "fixed-12", "fixed-96")) {
        Map<String, Object> o = row(rows, "strategy", other, "overload", 3);
        boolean missesABar = num(o, "goodput") < 0.9 || num(o, "p99ServedMs") > 2 * unloadedP99 || num(o, "recoverySeconds") > 5;
        assertThat(missesABar || num(o, "goodput") < num(r, "goodput") - 0.01).as("%s beats %s", adaptive, other).isTrue();
      }
    }
    // Without a limit the queue fills and the few calls served waited most of the timeout.
    assertThat(num(row(rows, "strategy", "none", "overload", 3), "goodput")).isLessThan(0.1);
    // The hand-tuned anchor keeps the lowest tail, at a cost in goodput.
    assertThat(num(row(rows, "strategy", "fixed-12", "overload", 3), "p99ServedMs"))
        .isLessThan(num(row(rows, "strategy", "gradient", "overload", 3), "p99ServedMs"));
  }
}
