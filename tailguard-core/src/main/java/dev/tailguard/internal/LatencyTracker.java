package dev.tailguard.internal;

import dev.tailguard.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Recent attempt latencies over a sliding window, for delays that adapt (Finagle's
 * WindowedPercentileHistogram: 3 windows of 10 s, refreshed every 3 s).
 *
 * <p>Concurrency: recording goes to the current slot's histogram with one atomic increment; no
 * lock. Every {@code refresh} the first caller that notices (a CAS on {@code refreshing}) rotates
 * the slots and rebuilds the {@link SurvivalCurve} snapshot, which readers see through a volatile
 * field. A writer racing the rotation records into the slot just retired, which still counts
 * towards the window: nothing is lost.
 */
public final class LatencyTracker {
  private final Clock clock;
  private final long slotNanos;
  private final long refreshNanos;
  private final long minSamples;
  private final LatencyHistogram[] slots;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile int current;
  private volatile long currentSlotStart;
  private volatile long nextRefresh;
  private volatile SurvivalCurve curve;

  public LatencyTracker(Clock clock, long windowNanos, int slotCount, long refreshNanos, long minSamples) {
    this.clock = clock;
    this.slotNanos = windowNanos / slotCount;
    this.refreshNanos = refreshNanos;
    this.minSamples = minSamples;
    this.slots = new LatencyHistogram[slotCount];
    for (int i = 0; i < slotCount; i++) {
      slots[i] = new LatencyHistogram();
    }
    long now = clock.nanoTime();
    this.currentSlotStart = now;
    this.nextRefresh = now;
  }

  /** Records an attempt that completed after {@code nanos}, or was cancelled at that age. */
  public void record(long nanos, boolean completed) {
    slots[current].record(nanos, completed);
  }

  /** The latest snapshot, refreshed when due; null until enough attempts have completed. */
  public SurvivalCurve curve() {
    long now = clock.nanoTime();
    if (now - nextRefresh >= 0 && refreshing.compareAndSet(false, true)) {
      try {
        rotate(now);
        rebuild();
        nextRefresh = now + refreshNanos;
      } finally {
        refreshing.set(false);
      }
    }
    return curve;
  }

  private void rotate(long now) {
    // Retire one slot per elapsed slot width; a long idle gap clears the whole window.
    int toRetire = (int) Math.min(slots.length, (now - currentSlotStart) / slotNanos);
    for (int i = 0; i < toRetire; i++) {
      int next = (current + 1) % slots.length;
      slots[next] = new LatencyHistogram();
      current = next;
      currentSlotStart += slotNanos;
    }
    if (toRetire == slots.length) {
      currentSlotStart = now;
    }
  }

  private void rebuild() {
    long[] completed = new long[LatencyHistogram.BUCKETS];
    long[] censored = new long[LatencyHistogram.BUCKETS];
    long total = 0;
    for (LatencyHistogram slot : slots) {
      for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
        long c = slot.completed.get(i);
        completed[i] += c;
        censored[i] += slot.censored.get(i);
        total += c;
      }
    }
    curve = total >= minSamples ? SurvivalCurve.from(completed, censored) : null;
  }
}
