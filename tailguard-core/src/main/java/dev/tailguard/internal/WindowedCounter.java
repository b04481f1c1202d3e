package dev.tailguard.internal;

import dev.tailguard.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A count of events over a sliding time window, lock-free but for one case: the first add after a
 * whole window of silence clears every slot, and adds racing it wait until it has.
 *
 * <p>State: the window is split into {@code slots} slots of equal width. Each slot is one {@code
 * long} packing the slot's epoch (its start time divided by the slot width, low 20 bits) in the
 * high bits and its count (up to 2^44) in the low bits, so resetting a stale slot and adding to
 * it is a single CAS: no count can be lost to a reset racing an add.
 *
 * <p>Invariant: a slot contributes to {@link #sum()} only if its epoch is one of the last {@code
 * slots} epochs, so time moving on expires counts without any background task.
 */
public final class WindowedCounter {
  private static final int EPOCH_BITS = 20;
  private static final int COUNT_BITS = 64 - EPOCH_BITS;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final long EPOCH_MASK = (1L << EPOCH_BITS) - 1;
  private static final int HALF_BITS = COUNT_BITS / 2;
  private static final long HALF_MASK = (1L << HALF_BITS) - 1;

  private final Clock clock;
  private final long slotNanos;
  private final AtomicLongArray slots;
  /** The latest epoch added to: after a window of silence every slot is stale, whatever its tag. */
  private final AtomicLong lastEpoch = new AtomicLong(Long.MIN_VALUE / 2);
  /** {@link #lastEpoch} while one add clears every slot after a window of silence. */
  private static final long CLEARING = Long.MIN_VALUE;

  public WindowedCounter(Clock clock, long windowNanos, int slotCount) {
    // sumPair packs two sums of up to slotCount × 2^22 into 32 bits each.
    Checks.argument(slotCount >= 1 && slotCount <= 1000, "slotCount out of range: %s", slotCount);
    Checks.argument(windowNanos >= slotCount, "windowNanos must be >= slotCount: %s", windowNanos);
    this.clock = clock;
    this.slotNanos = windowNanos / slotCount;
    this.slots = new AtomicLongArray(slotCount);
  }

  /** Adds {@code count} (>= 0) at the current time. */
  public void add(long count) {
    long epoch = Math.floorDiv(clock.nanoTime(), slotNanos);
    int index = currentSlot(epoch);
    long tag = (epoch & EPOCH_MASK) << COUNT_BITS;
    while (true) {
      long packed = slots.get(index);
      // A slot still holding an older epoch is reset by the same CAS that adds to it.
      long next = (packed & ~COUNT_MASK) == tag ? packed + count : tag | (count & COUNT_MASK);
      if (slots.compareAndSet(index, packed, next)) {
        return;
      }
    }
  }

  /**
   * Adds to two counts kept in one slot word at once: {@code low} and {@code high} (each >= 0)
   * go to the two 22-bit halves of the current slot's count, each saturating at 2^22 − 1 per slot.
   * One CAS moves both, so a reader of {@link #sumPair()} never sees one without the other. Use
   * either this and {@link #sumPair()} or {@link #add} and {@link #sum()} on one counter, not both.
   */
  public void addPair(long low, long high) {
    long epoch = Math.floorDiv(clock.nanoTime(), slotNanos);
    int index = currentSlot(epoch);
    long tag = (epoch & EPOCH_MASK) << COUNT_BITS;
    while (true) {
      long packed = slots.get(index);
      long count = (packed & ~COUNT_MASK) == tag ? packed & COUNT_MASK : 0L;
      long lowSum = Math.min(HALF_MASK, (count & HALF_MASK) + low);
      long highSum = Math.min(HALF_MASK, (count >>> HALF_BITS) + high);
      if (slots.compareAndSet(index, packed, tag | (highSum << HALF_BITS) | lowSum)) {
        return;
      }
    }
  }

  /** Finds the slot for {@code epoch}, first clearing every slot after a whole window of silence. */
  private int currentSlot(long epoch) {
    while (true) {
      long seen = lastEpoch.get();
      if (seen == CLEARING) {
        // Another add is clearing after a silence: adding before it finishes would be wiped out.
        Thread.onSpinWait();
        continue;
      }
      if (epoch - seen >= slots.length()) {
        // Silent for a whole window: the 20-bit tags may have wrapped (2^20 slots later), so clear
        // every slot instead of trusting them, or old counts would come back to life. One add
        // clears; racing adds wait for it, so none of their counts is lost to the clearing.
        if (!lastEpoch.compareAndSet(seen, CLEARING)) {
          continue;
        }
        for (int i = 0; i < slots.length(); i++) {
          slots.set(i, 0L);
        }
        lastEpoch.set(epoch);
      } else if (epoch > seen && !lastEpoch.compareAndSet(seen, epoch)) {
        // Moved meanwhile (maybe to CLEARING, which must not be overwritten): look again.
        continue;
      }
      return (int) Math.floorMod(epoch, (long) slots.length());
    }
  }

  /** Returns the events counted in the last window. */
  public long sum() {
    long epoch = Math.floorDiv(clock.nanoTime(), slotNanos);
    // Nothing was added within the window (or the slots are being cleared after such a silence):
    // every slot is stale, even one whose tag wrapped around.
    if (silentFor(epoch)) {
      return 0;
    }
    long total = 0;
    for (int i = 0; i < slots.length(); i++) {
      total += liveCount(slots.get(i), epoch);
    }
    return total;
  }

  /**
   * Returns both counts of {@link #addPair} over the last window, read in one pass: the low sum in
   * the low 32 bits of the result, the high sum in the high 32 bits (each at most slots × 2^22).
   */
  public long sumPair() {
    long epoch = Math.floorDiv(clock.nanoTime(), slotNanos);
    if (silentFor(epoch)) {
      return 0;
    }
    long low = 0;
    long high = 0;
    for (int i = 0; i < slots.length(); i++) {
      long count = liveCount(slots.get(i), epoch);
      low += count & HALF_MASK;
      high += count >>> HALF_BITS;
    }
    return (high << 32) | low;
  }

  private boolean silentFor(long epoch) {
    long seen = lastEpoch.get();
    return seen == CLEARING || epoch - seen >= slots.length();
  }

  /** The count a slot word holds if its epoch lies within the window ending at {@code epoch}, else 0. */
  private long liveCount(long packed, long epoch) {
    long age = (epoch - (packed >>> COUNT_BITS)) & EPOCH_MASK;
    return age < slots.length() ? packed & COUNT_MASK : 0L;
  }
}
