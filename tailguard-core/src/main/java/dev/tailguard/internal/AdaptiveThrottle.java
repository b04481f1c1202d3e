package dev.tailguard.internal;

import dev.tailguard.BudgetState;
import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import java.util.random.RandomGenerator;

/**
 * Google SRE client-side adaptive throttling ("Handling Overload"): reject an attempt locally with
 * probability {@code max(0, (requests − K·accepts) / (requests + 1))}.
 *
 * <p>State: two windowed counters, {@code requests} (every attempt the client wanted to send,
 * including those it rejected itself) and {@code accepts} (attempts the backend answered without
 * an overload-style failure). In steady state the backend sees about {@code K·accepts}, so at K = 2
 * it rejects roughly one request for every one it serves.
 *
 * <p>Both counters move when an attempt's outcome is known (a local rejection is known at once).
 * Counting a request when it is sent but its accept only when it answers would make every attempt
 * in flight look rejected, and a freshly started client would throttle a healthy backend.
 */
public final class AdaptiveThrottle implements RetryBudget {
  private static final int SLOTS = 40;

  private final double k;
  private final WindowedCounter requests;
  private final WindowedCounter accepts;
  private final RandomGenerator random;
  private final BudgetDenials denials;
  private final String description;

  public AdaptiveThrottle(RetryBudget.AdaptiveThrottleBuilder builder) {
    long windowNanos = Durations.toNanosSaturated(builder.window());
    this.k = builder.k();
    this.requests = new WindowedCounter(builder.clock(), windowNanos, SLOTS);
    this.accepts = new WindowedCounter(builder.clock(), windowNanos, SLOTS);
    this.random = builder.random();
    this.denials = new BudgetDenials(builder.deniedListeners());
    this.description = "AdaptiveThrottle(k=" + k + ", window=" + builder.window() + ")";
  }

  @Override
  public boolean admitRequest() {
    return admit(1);
  }

  @Override
  public boolean admit(int attempt) {
    double rejection = rejectionProbability();
    // Draw only when rejection is possible: the healthy path costs no randomness.
    if (rejection > 0 && random.nextDouble() < rejection) {
      requests.add(1);
      denials.denied(attempt, this::state);
      return false;
    }
    return true;
  }

  @Override
  public void record(Verdict verdict) {
    requests.add(1);
    // A non-retryable answer (a 404) was still served: only overload-style failures are not accepts.
    if (verdict != Verdict.RETRYABLE) {
      accepts.add(1);
    }
  }

  /** The probability that the next attempt is rejected locally. */
  public double rejectionProbability() {
    long total = requests.sum();
    return Math.max(0.0, (total - k * accepts.sum()) / (total + 1.0));
  }

  @Override
  public BudgetState state() {
    return BudgetState.of(description, rejectionProbability(), 1.0, denials.count());
  }

  @Override
  public String toString() {
    return state().toString();
  }
}
