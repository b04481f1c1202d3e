package dev.tailguard.internal;

import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model check of {@link WindowedCounter}: every interleaving of adds, sums and the clock moving
 * on must be explainable by some order of those operations run one at a time.
 *
 * <p>Sequential specification ({@link Spec}): the counter is a list of (slot epoch, count) pairs;
 * {@code add(n)} appends (now / slotWidth, n); {@code sum()} totals the pairs whose epoch is one
 * of the last {@code slots} epochs. The test starts with every slot holding an expired epoch.
 *
 * <p>Only unit adds are checked, which is how every caller uses the counter. {@code sum()} reads
 * the slots one by one, so like {@code LongAdder.sum()} it is no atomic snapshot: with adds of 1
 * and 2 racing it, Lincheck found a sum of 2 after {@code add(1); add(2)} in one thread, which no
 * sequential order gives. With unit adds any subset of the racing adds it sees is a sequential
 * prefix, so the check is exact for the way the budgets and the time window use it.
 *
 * <p>The clock does not move while operations race: an add counts at the moment it read the
 * clock, and Lincheck showed (with a racing {@code tick()} operation) that an add which read the
 * clock, stalled across a whole window and then wrote, lands in an already expired epoch, which no
 * sequential order explains. That is the intended meaning of "now" for a time window, not a bug;
 * {@code WindowedCounterStaleWriterTest} covers what such a late writer must not do.
 */
public class WindowedCounterLincheckTest {
  static final int SLOTS = 3;
  static final long SLOT_NANOS = 100;

  private final ManualClock clock = new ManualClock();
  private final WindowedCounter counter = new WindowedCounter(clock, SLOTS * SLOT_NANOS, SLOTS);

  @Operation
  public void addOne() {
    counter.add(1);
  }

  @Operation
  public long sum() {
    return counter.sum();
  }

  public WindowedCounterLincheckTest() {
    // Every slot starts stale (epochs 0..2, now at epoch 3), so the racing adds must reset slots by
    // CAS while sums read them: the path where a reset could lose or resurrect a count.
    for (int i = 0; i < SLOTS; i++) {
      counter.add(1);
      clock.advance(SLOT_NANOS);
    }
  }

  @Test
  void everyInterleavingMatchesTheSequentialWindow() {
    LincheckRuns.modelChecking().sequentialSpecification(Spec.class).check(getClass());
  }

  /** The obviously correct window: every add remembered with its epoch, summed on demand. */
  public static final class Spec {
    private long now;
    private final List<long[]> adds = new ArrayList<>();

    public void addOne() {
      adds.add(new long[] {now / SLOT_NANOS, 1});
    }

    public long sum() {
      long epoch = now / SLOT_NANOS;
      long total = 0;
      for (long[] add : adds) {
        if (epoch - add[0] < SLOTS) {
          total += add[1];
        }
      }
      return total;
    }

    public Spec() {
      for (int i = 0; i < SLOTS; i++) {
        addOne();
        now += SLOT_NANOS;
      }
    }
  }
}
