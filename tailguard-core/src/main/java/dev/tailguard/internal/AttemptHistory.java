package dev.tailguard.internal;

import dev.tailguard.AttemptRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * A retried call's attempt history, bounded: the first {@link #FIRST} and the last {@link #LAST}
 * attempts are kept, the ones between are only counted. A call allowed millions of attempts (no
 * backoff, a long deadline) keeps twenty records, not millions of them and their exceptions.
 *
 * <p>Not thread-safe: one retried call's attempts never overlap.
 */
final class AttemptHistory {
  static final int FIRST = 10;
  static final int LAST = 10;

  private final List<AttemptRecord> first = new ArrayList<>(4);
  /** The last attempts, a ring once the first ones are full. */
  private AttemptRecord[] last;
  private int lastCount;
  private int lastNext;
  private int omitted;

  void add(AttemptRecord record) {
    if (first.size() < FIRST) {
      first.add(record);
      return;
    }
    if (last == null) {
      last = new AttemptRecord[LAST];
    }
    // The oldest of the last ones drops into the omitted count.
    if (lastCount == LAST) {
      omitted++;
    } else {
      lastCount++;
    }
    last[lastNext] = record;
    lastNext = (lastNext + 1) % LAST;
  }

  /** The kept records, oldest first. */
  List<AttemptRecord> kept() {
    if (lastCount == 0) {
      return first;
    }
    List<AttemptRecord> kept = new ArrayList<>(first.size() + lastCount);
    kept.addAll(first);
    int oldest = lastCount < LAST ? 0 : lastNext;
    for (int i = 0; i < lastCount; i++) {
      kept.add(last[(oldest + i) % LAST]);
    }
    return kept;
  }

  /** How many attempts between the first and the last ones were dropped. */
  int omitted() {
    return omitted;
  }
}
