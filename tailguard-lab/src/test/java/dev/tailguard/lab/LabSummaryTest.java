package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The last line of a full lab run says FAIL only for a FAIL; an INCONCLUSIVE check is named with its reason. */
class LabSummaryTest {
  private static ScenarioResult withCheck(String scenario, Verdict verdict) {
    ScenarioResult result = new ScenarioResult(scenario);
    result.check("exact bar", true, "ok");
    result.check("wall bar", verdict, "measured", Map.of(), verdict == Verdict.PASS ? null : "the 95% CI straddles the bar");
    return result;
  }

  @Test
  void passingChecksSayAllPass() {
    assertThat(Lab.summary(List.of(withCheck("a", Verdict.PASS)))).isEqualTo("All scenario checks pass.");
  }

  @Test
  void anInconclusiveCheckIsNotAFailAndItsReasonIsPrinted() {
    String summary = Lab.summary(List.of(withCheck("a", Verdict.PASS), withCheck("http-hedge", Verdict.INCONCLUSIVE)));
    assertThat(summary).startsWith("No scenario check FAILs").doesNotContain("FAIL:")
        .contains("INCONCLUSIVE http-hedge: wall bar (the 95% CI straddles the bar)");
  }

  @Test
  void aFailedCheckIsAFail() {
    String summary = Lab.summary(List.of(withCheck("a", Verdict.INCONCLUSIVE), withCheck("b", Verdict.FAIL)));
    assertThat(summary).startsWith("Some scenario checks FAIL").contains("FAIL b: wall bar", "INCONCLUSIVE a: wall bar");
  }
}
