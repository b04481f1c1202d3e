package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: a wall-clock bar that flipped with the machine's load (brpc's p99 read 24.4 ms
 * against a fixed 20 ms on a busy machine) now says PASS, FAIL or INCONCLUSIVE from an interval.
 */
class WallClockCheckTest {
  private static PairedRounds.Estimate estimate(double value, double low, double high) {
    return new PairedRounds.Estimate(value, low, high, new double[] {low, value, high}, PairedRounds.RESAMPLES);
  }

  @Test
  void anIntervalWhollyWithinTheBarPasses() {
    ScenarioResult result = new ScenarioResult("t");
    assertThat(WallClockCheck.atMost(result, "ratio", "r:", estimate(0.25, 0.22, 0.30), 0.35, null)).isEqualTo(Verdict.PASS);
    assertThat(result.checks().get(0)).containsEntry("verdict", "PASS").containsEntry("pass", true).containsEntry("kind", "wall-clock")
        .doesNotContainKey("reason");
    @SuppressWarnings("unchecked")
    Map<String, Object> noise = (Map<String, Object>) result.checks().get(0).get("noise");
    assertThat(noise).containsEntry("rounds", 3).containsEntry("bar", 0.35).containsKeys("ci95", "perRound", "method");
  }

  @Test
  void anIntervalThatStraddlesTheBarIsInconclusiveWithItsReason() {
    ScenarioResult result = new ScenarioResult("t");
    assertThat(WallClockCheck.atMost(result, "ratio", "r:", estimate(0.33, 0.28, 0.41), 0.35, null)).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(result.checks().get(0)).containsEntry("pass", false);
    assertThat((String) result.checks().get(0).get("reason")).contains("straddles the bar 0.35", "too noisy to tell");
    assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
  }

  @Test
  void anIntervalWhollyAboveTheBarFailsOnAQuietMachineAndIsInconclusiveOnABusyOne() {
    ScenarioResult quiet = new ScenarioResult("t");
    assertThat(WallClockCheck.atMost(quiet, "ratio", "r:", estimate(1.2, 1.1, 1.3), 0.5, null)).isEqualTo(Verdict.FAIL);
    ScenarioResult busy = new ScenarioResult("t");
    assertThat(WallClockCheck.atMost(busy, "ratio", "r:", estimate(1.2, 1.1, 1.3), 0.5, "other processes used 60% of the CPU"))
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat((String) busy.checks().get(0).get("reason")).contains("above the bar 0.5", "other processes used 60% of the CPU",
        "cannot tell the library from the machine");
  }

  @Test
  void aBaselineSlowedSoMuchThatEvenTheIdealStrategyMissesTheBarIsUnresolvable() {
    // brpc: the model's p99 is 20 ms, the ideal backup 2.5 ms, bar 0.5: the ideal misses it once the machine adds over 15 ms.
    assertThat(WallClockCheck.unresolvable("p99", 30, 20, 2.5, 0.5)).isNull();
    assertThat(WallClockCheck.unresolvable("p99", 40, 20, 2.5, 0.5)).contains("added 20.0 ms to the baseline's p99", "would read 0.56");
    assertThat(WallClockCheck.either(null, "b")).isEqualTo("b");
    assertThat(WallClockCheck.either("a", "b")).isEqualTo("a; b");
  }
}
