package dev.tailguard.internal;

import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.List;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model check of {@link DefaultConcurrencyLimit}'s permits (issue 20): the in-flight count never
 * exceeds the limit a permit was taken under, and never drifts from the number of permits held,
 * whatever the interleaving of acquires, releases, refusals and limit updates.
 *
 * <p>Under test: a fixed limit starting at 2, no wait, a clock that does not move. Permits are
 * shared: {@code release()} gives back one permit whoever took it, and with none in flight the
 * limit refuses the return ({@code IllegalStateException}) instead of drifting below zero, so the
 * count alone is the state and no harness bookkeeping can hide a lost update.
 * Adaptive updates go through {@link DefaultConcurrencyLimit#applyLimit}, the one place an
 * adaptive rule's result reaches the permits (the rule itself runs under a flag on one thread and
 * is checked by the functional tests), with the two values an adaptive limit moves between here.
 *
 * <p>Sequential specification ({@link Spec}): a count {@code c} and a limit {@code l} (2);
 * {@code acquire()} takes a permit iff {@code c < l} ({@code c++}, true) and otherwise refuses
 * (false); {@code release()} gives one back iff {@code c > 0} ({@code c--},
 * true) and otherwise does nothing (false); {@code lower()} sets {@code l = 1}, {@code raise()} sets
 * {@code l = 3}; {@code inFlight()} and {@code limit()} read. So in every
 * linearisation a permit is given only while {@code c < l}, and {@code c} is exactly the permits
 * held: a lost update in either CAS loop, or a take that overshoots, reads differently.
 *
 * <p>{@code refusals()} is not among the operations: the refusal counter is a statistic bumped
 * just after the refusing decision, so a read racing a refusal may see it one short (the first
 * run of this check found exactly that); the functional tests count it exactly.
 */
public class ConcurrencyLimitLincheckTest {
  private final DefaultConcurrencyLimit limit = newLimit();

  static DefaultConcurrencyLimit newLimit() {
    return new DefaultConcurrencyLimit("lincheck", 2, Duration.ZERO, new ManualClock(), Scheduler.system(), List.of(), List.of(), null);
  }

  @Operation
  public boolean acquire() {
    long ticket = limit.tryAcquire();
    return ticket != ConcurrencyLimit.REFUSED;
  }

  @Operation
  public boolean release() {
    // Gives back a permit taken by any thread; with none in flight the limit refuses (and stays at 0).
    try {
      limit.onSuccess(0);
      return true;
    } catch (IllegalStateException noneTaken) {
      return false;
    }
  }

  @Operation
  public void lower() {
    limit.applyLimit(limit.limit(), 1);
  }

  @Operation
  public void raise() {
    limit.applyLimit(limit.limit(), 3);
  }

  @Operation
  public int inFlight() {
    return limit.inFlight();
  }

  @Operation
  public int limit() {
    return limit.limit();
  }

  @Test
  void everyInterleavingMatchesTheSequentialPermitCount() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The permits as a count and a limit. */
  public static final class Spec {
    private int c;
    private int l = 2;

    public boolean acquire() {
      if (c < l) {
        c++;
        return true;
      }
      return false;
    }

    public boolean release() {
      if (c > 0) {
        c--;
        return true;
      }
      return false;
    }

    public void lower() {
      l = 1;
    }

    public void raise() {
      l = 3;
    }

    public int inFlight() {
      return c;
    }

    public int limit() {
      return l;
    }
  }
}
