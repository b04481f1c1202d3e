package dev.tailguard.internal;

import dev.tailguard.BudgetState;
import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;

/**
 * Finagle's ratio budget: retries in the last {@code ttl} may be at most {@code percentCanRetry}
 * of the requests in it, plus a reserve of {@code minRetriesPerSecond · ttl}.
 *
 * <p>State: two windowed counters over {@code ttl}, deposits (one per first attempt) and
 * withdrawals (one per admitted retry or hedge). Both expire with the window, as Finagle's leaky
 * bucket does, so an old burst of traffic cannot fund retries forever.
 *
 * <p>Admission: allowed iff {@code reserve + percentCanRetry · deposits − withdrawals >= 1}. The
 * check and the withdrawal are two atomic steps, so under a race a few concurrent retries can
 * overdraw by at most the number of racing threads; the window then corrects it. This keeps the
 * hot path lock-free, and retries are counted when admitted, not when sent, so retries waiting in
 * backoff already count (Envoy #30205).
 */
public final class RatioBudget implements RetryBudget {
  private static final int SLOTS = 10;

  private final double percentCanRetry;
  private final double reserve;
  private final WindowedCounter deposits;
  private final WindowedCounter withdrawals;
  private final BudgetDenials denials;
  private final String description;

  public RatioBudget(RetryBudget.RatioBuilder builder) {
    long ttlNanos = Durations.toNanosSaturated(builder.ttl());
    this.percentCanRetry = builder.percentCanRetry();
    this.reserve = builder.minRetriesPerSecond() * (ttlNanos / 1e9);
    this.deposits = new WindowedCounter(builder.clock(), ttlNanos, SLOTS);
    this.withdrawals = new WindowedCounter(builder.clock(), ttlNanos, SLOTS);
    this.denials = new BudgetDenials(builder.deniedListeners());
    this.description =
        "RatioBudget(percentCanRetry=" + percentCanRetry + ", minRetriesPerSecond=" + builder.minRetriesPerSecond() + ", ttl=" + builder.ttl() + ")";
  }

  @Override
  public boolean admitRequest() {
    deposits.add(1);
    return true;
  }

  @Override
  public boolean admit(int attempt) {
    if (balance() >= 1) {
      withdrawals.add(1);
      return true;
    }
    denials.denied(attempt, this::state);
    return false;
  }

  @Override
  public void record(Verdict verdict) {
    // Deposits are per request, not per outcome (Finagle #956: deposit once).
  }

  /** The retries the budget would allow now. */
  public double balance() {
    return reserve + percentCanRetry * deposits.sum() - withdrawals.sum();
  }

  @Override
  public BudgetState state() {
    return BudgetState.of(description, Math.floor(balance()), Double.NaN, denials.count());
  }

  @Override
  public String toString() {
    return state().toString();
  }
}
