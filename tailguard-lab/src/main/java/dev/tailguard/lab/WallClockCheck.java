package dev.tailguard.lab;

/**
 * Turns an interleaved comparison into a verdict that does not flip with the machine's load. For
 * a bar "the statistic is at most {@code bar}":
 *
 * <ul>
 *   <li>PASS when the whole 95% interval is at or below the bar;
 *   <li>FAIL when the whole interval is above it and the run was clean;
 *   <li>INCONCLUSIVE, with the reason, when the interval straddles the bar (too noisy to tell), or
 *       when it is above the bar while the machine was disturbed (busy neighbours, or a baseline
 *       so slowed that even the ideal strategy would miss the bar): then the run cannot tell the
 *       library from the machine.
 * </ul>
 */
public final class WallClockCheck {
  private WallClockCheck() {}

  /** Judges {@code estimate <= bar} and records the check; {@code disturbance} is null for a clean run. */
  public static Verdict atMost(ScenarioResult result, String name, String what, PairedRounds.Estimate estimate, double bar,
      String disturbance) {
    Verdict verdict;
    String reason = null;
    String ci = String.format("95%% CI %.3f-%.3f over %d rounds", estimate.low(), estimate.high(), estimate.rounds());
    if (estimate.high() <= bar) {
      verdict = Verdict.PASS;
    } else if (estimate.low() > bar) {
      if (disturbance == null) {
        verdict = Verdict.FAIL;
      } else {
        verdict = Verdict.INCONCLUSIVE;
        reason = "the " + ci + " is above the bar " + bar + ", but " + disturbance + ": the run cannot tell the library from the machine";
      }
    } else {
      verdict = Verdict.INCONCLUSIVE;
      reason = "the " + ci + " straddles the bar " + bar + ": too noisy to tell"
          + (disturbance == null ? "" : " (" + disturbance + ")");
    }
    result.check(name, verdict, what + " " + estimate.summary(), estimate.toJson(bar), reason);
    return verdict;
  }

  /**
   * The reason a measured baseline leaves no room for the bar, or null: if the machine added
   * {@code measured - model} to the baseline's quantile and as much to the ideal strategy's, the
   * ideal's ratio to the baseline would already exceed {@code bar}.
   */
  public static String unresolvable(String quantile, double measuredBaseline, double modelBaseline, double idealStrategy, double bar) {
    double added = Math.max(0, measuredBaseline - modelBaseline);
    double idealRatio = (idealStrategy + added) / (modelBaseline + added);
    if (idealRatio <= bar) {
      return null;
    }
    return String.format("the machine added %.1f ms to the baseline's %s (%.1f ms against the model's %.1f ms); with that much added"
        + " even the ideal strategy (%.1f ms) would read %.2f, above the bar", added, quantile, measuredBaseline, modelBaseline,
        idealStrategy, idealRatio);
  }

  /** Joins two nullable reasons. */
  public static String either(String first, String second) {
    if (first == null) {
      return second;
    }
    return second == null ? first : first + "; " + second;
  }
}
