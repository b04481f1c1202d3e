package dev.tailguard.internal;

import dev.tailguard.time.Clock;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A count of events over a sliding time window, lock-free.
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

  private final Clock clock;
  private final long slotNanos;
  private final AtomicLongArray slots;
  /** The latest epoch added to: after a window of silence every slot is stale, whatever its tag. */
  private final java.util.concurrent.atomic.AtomicLong lastEpoch = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE / 2);

  public WindowedCounter(Clock clock, long windowNanos, int slotCount) {
    Checks.argument(slotCount >= 1 && slotCount < (1 << (EPOCH_BITS - 1)), "slotCount out of range: %s", slotCount);
    Checks.argument(windowNanos >= slotCount, "windowNanos must be >= slotCount: %s", windowNanos);
    this.clock = clock;
    this.slotNanos = windowNanos / slotCount;
    this.slots = new AtomicLongArray(slotCount);
  }

  /** Adds {@code count} (>= 0) at the current time. */
  public void add(long count) {
    long epoch = Math.floorDiv(clock.nanoTime(), slotNanos);
    int index = (int) Math.floorMod(epoch, (long) slots.length());
    long tag = (epoch & EPOCH_MASK) << COUNT_BITS;
    long seen = lastEpoch.get();
    if (epoch - seen >= slots.length()) {
      // Silent for a whole window: the 20-bit tags may have wrapped (2^20 slots later), so clear
      // every slot instead of trusting them, or old counts would come back to life.
      for (int i = 0; i < slots.length(); i++) {
        long stale = slots.get(i);
        // A racing first add after the silence may lose its count here: one event, once.
        slots.compareAndSet(i, stale, 0L);
      }
    }
    if (epoch > seen) {
      lastEpoch.accumulateAndGet(epoch, Math::max);
    }
    while (true) {
      long packed = slots.get(index);
      // A slot still holding an older epoch is reset by the same CAS that adds to it.
      long next = (packed & ~COUNT_MASK) == tag ? packed + count : tag | (count & COUNT_MASK);
      if (slots.compareAndSet(index, packed, next)) {
        return;
      }
    }
  }

  /** Returns the events counted in the last window. */
  public long sum() {
    long epoch = Math.floorDiv(clock.nanoTime(), slotNanos);
    // Nothing was added within the window: every slot is stale, even one whose tag wrapped around.
    if (epoch - lastEpoch.get() >= slots.length()) {
      return 0;
    }
    long total = 0;
    for (int i = 0; i < slots.length(); i++) {
      long packed = slots.get(i);
      long slotEpoch = packed >>> COUNT_BITS;
      long age = (epoch - slotEpoch) & EPOCH_MASK;
      if (age < slots.length()) {
        total += packed & COUNT_MASK;
      }
    }
    return total;
  }
}
