package dev.tailguard.internal;

import java.util.concurrent.atomic.AtomicLong;

/** Identities for calls that ask an admission check: unique in this JVM, assigned on first use. */
final class CallIds {
  private static final AtomicLong NEXT = new AtomicLong();

  private CallIds() {}

  /** Marks a call that has no identity yet. */
  static final long NONE = 0;

  /** The next identity, never {@link #NONE}. */
  static long next() {
    return NEXT.incrementAndGet();
  }
}
