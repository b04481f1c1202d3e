package dev.tailguard.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of one-shot request bodies that one {@link ResilientHttpClient} holds in memory so
 * they can be re-sent, shared by all its calls ({@code maxReplayBytesInFlight}). A body that does
 * not fit is sent once and not retried. Each call takes a {@link Reservation}, which gives its
 * bytes back when the call ends. Thread-safe.
 */
final class ReplayBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  ReplayBudget(long limit) {
    this.limit = limit;
  }

  long limit() {
    return limit;
  }

  /** Bytes held right now, by every call. */
  long inUse() {
    return used.get();
  }

  /** Bytes that a declared length must fit in to be worth reading. */
  long available() {
    return Math.max(0, limit - used.get());
  }

  Reservation open() {
    return new Reservation();
  }

  private boolean tryAcquire(long bytes) {
    while (true) {
      long now = used.get();
      // Over the shared limit: this body goes out once instead of growing the heap.
      if (bytes > limit - now) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  /** One call's share of the budget; closed (and given back) when the call ends. */
  final class Reservation implements AutoCloseable {
    private long held;
    private boolean closed;

    /** Reserves {@code bytes} more; false when the budget is full or the call has ended. */
    synchronized boolean tryAdd(long bytes) {
      if (closed || !tryAcquire(bytes)) {
        return false;
      }
      held += bytes;
      return true;
    }

    long limit() {
      return limit;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        used.addAndGet(-held);
        held = 0;
      }
    }
  }
}
