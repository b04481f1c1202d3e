package dev.tailguard.internal;

import dev.tailguard.BudgetState;
import dev.tailguard.RetryBudget;
import dev.tailguard.Verdict;
import java.util.random.RandomGenerator;

/**
 * Google SRE client-side adaptive throttling ("Handling Overload"): reject an attempt locally with
 * probability {@code max(0, (requests − K·accepts) / (requests + 1))}.
 *
 * <p>State: one windowed counter holding two counts in each slot word, {@code requests} (every
 * attempt the client wanted to send, including those it rejected itself) and {@code accepts}
 * (attempts the backend answered without an overload-style failure). In steady state the backend
 * sees about {@code K·accepts}, so at K = 2 it rejects roughly one request for every one it serves.
 * Both counts move in one CAS and are read in one pass, so a read racing a served outcome sees it
 * whole (checked by {@code AdaptiveThrottleLincheckTest}); each saturates at 2^22 per slot (about
 * 16 million attempts a second at the default 10 s window).
 *
 * <p>Both counters move when an attempt's outcome is known (a local rejection is known at once).
 * Counting a request when it is sent but its accept only when it answers would make every attempt
 * in flight look rejected, and a freshly started client would throttle a healthy backend.
 */
public final class AdaptiveThrottle implements RetryBudget {
  private static final int SLOTS = 40;

  private final double k;
  /** Requests in the low half of each slot's count, accepts in the high half. */
  private final WindowedCounter outcomes;
  private final RandomGenerator random;
  private final BudgetDenials denials;
  private final String description;

  public AdaptiveThrottle(RetryBudget.AdaptiveThrottleBuilder builder) {
    long windowNanos = Durations.toNanosSaturated(builder.window());
    this.k = builder.k();
    this.outcomes = new WindowedCounter(builder.clock(), windowNanos, SLOTS);
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
      outcomes.addPair(1, 0);
      denials.denied(attempt, this::state);
      return false;
    }
    return true;
  }

  @Override
  public void record(Verdict verdict) {
    // A non-retryable answer (a 404) was still served: only overload-style failures are not accepts.
    outcomes.addPair(1, verdict == Verdict.RETRYABLE ? 0 : 1);
  }

  /** The probability that the next attempt is rejected locally. */
  public double rejectionProbability() {
    long both = outcomes.sumPair();
    long total = both & 0xFFFF_FFFFL;
    long accepted = both >>> 32;
    return Math.max(0.0, (total - k * accepted) / (total + 1.0));
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
