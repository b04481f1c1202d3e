package dev.tailguard.internal;

import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import java.time.Duration;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model check of {@link AdaptiveThrottle}, Google SRE's client-side throttle: reject locally with
 * probability {@code max(0, (requests − K·accepts) / (requests + 1))}.
 *
 * <p>Throttle under test: K = 2 and a clock that does not move ({@link WindowedCounterLincheckTest}
 * checks the window's expiry).
 *
 * <p>Sequential specification ({@link Spec}): two counts; {@code overload()} (a RETRYABLE outcome)
 * adds a request; {@code served()} (a SUCCESS or a NON_RETRYABLE answer) adds a request and an
 * accept; {@code probability()} reads the formula. {@code admit()} is not among the operations:
 * Lincheck replaces every {@code RandomGenerator} draw with its own, so no specification could
 * predict it. An admission is {@code probability()} and, when it rejects, one more request, which
 * {@code overload()} already races.
 *
 * <p>{@code served()} does not race {@code probability()} here ({@code nonParallelGroup}): it moves
 * two counters one after the other, and {@link #aServedOutcomeRacingAReadIsSeenWhole} shows what a
 * reader then sees.
 */
public class AdaptiveThrottleLincheckTest {
  static final double K = 2;

  private final AdaptiveThrottle throttle = newThrottle();

  static AdaptiveThrottle newThrottle() {
    return (AdaptiveThrottle) RetryBudget.adaptiveThrottle().k(K).window(Duration.ofSeconds(10)).clock(new ManualClock()).build();
  }

  @Operation
  public void overload() {
    throttle.record(Verdict.RETRYABLE);
  }

  @Operation(nonParallelGroup = "accepts")
  public void served() {
    throttle.record(Verdict.SUCCESS);
  }

  @Operation(nonParallelGroup = "accepts")
  public double probability() {
    return throttle.rejectionProbability();
  }

  @Test
  void overloadsRacingReadsMatchTheSequentialThrottle() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(getClass());
  }

  /**
   * The same throttle with served outcomes racing the reads. Regression: when requests and accepts
   * were two counters, a read between a served outcome's two adds saw the accept without its
   * request (0.0 where every sequential order gives 2/3 or 1/4); both now move in one CAS.
   */
  @Test
  void aServedOutcomeRacingAReadIsSeenWhole() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(Racing.class);
  }

  /** The operations of the outer test, all racing. */
  public static class Racing {
    private final AdaptiveThrottle throttle = newThrottle();

    @Operation
    public void overload() {
      throttle.record(Verdict.RETRYABLE);
    }

    @Operation
    public void served() {
      throttle.record(Verdict.SUCCESS);
    }

    @Operation
    public double probability() {
      return throttle.rejectionProbability();
    }
  }

  /** The throttle as arithmetic on two counts. */
  public static final class Spec {
    private long requests;
    private long accepts;

    public void overload() {
      requests++;
    }

    public void served() {
      requests++;
      accepts++;
    }

    public double probability() {
      return Math.max(0.0, (requests - K * accepts) / (requests + 1.0));
    }
  }
}
