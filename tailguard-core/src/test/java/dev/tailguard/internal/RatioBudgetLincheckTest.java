package dev.tailguard.internal;

import dev.tailguard.RetryBudget;
import java.time.Duration;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model check of {@link RatioBudget}, Finagle's retry budget: retries may be {@code percentCanRetry}
 * of the requests in the window plus a reserve.
 *
 * <p>Budget under test: reserve 1 (one retry per second over a 1 s window), 50% of requests. The
 * clock does not move ({@link WindowedCounterLincheckTest} checks the window's expiry).
 *
 * <p>Sequential specification ({@link Spec}): {@code balance = 1 + 0.5 · requests − retries};
 * {@code request()} adds a request; {@code admit()} answers {@code balance >= 1} and, when it does,
 * adds a retry; {@code balance()} reads the balance.
 *
 * <p>Admissions and balance reads are kept from racing each other ({@code nonParallelGroup}); requests
 * race both. The class documents why: the check and the withdrawal are two atomic steps, so two
 * admissions racing at a balance of 1 may both pass (an overdraft of at most the racing threads,
 * which the window corrects), and a balance read racing a request and the admission it funded
 * can add up a request count from before and a retry count from after. What the check proves is
 * that requests landing at any moment are never lost or double counted, and that every admission
 * is decided on a balance the budget really had.
 */
public class RatioBudgetLincheckTest {
  static final double PERCENT = 0.5;
  static final double RESERVE = 1;

  private final RatioBudget budget = (RatioBudget) RetryBudget.ratio().percentCanRetry(PERCENT).minRetriesPerSecond(1)
      .ttl(Duration.ofSeconds(1)).clock(new ManualClock()).build();

  @Operation
  public void request() {
    budget.admitRequest();
  }

  @Operation(nonParallelGroup = "withdrawals")
  public boolean admit() {
    return budget.admit(2);
  }

  @Operation(nonParallelGroup = "withdrawals")
  public double balance() {
    return budget.balance();
  }

  @Test
  void requestsRacingAdmissionsMatchTheSequentialBudget() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The budget as arithmetic on two counts. */
  public static final class Spec {
    private long requests;
    private long retries;

    public void request() {
      requests++;
    }

    public boolean admit() {
      if (balance() >= 1) {
        retries++;
        return true;
      }
      return false;
    }

    public double balance() {
      return RESERVE + PERCENT * requests - retries;
    }
  }
}
