package dev.tailguard.http;

import dev.tailguard.time.Clock;

/**
 * How many HTTP/2 streams one {@link ResilientHttpClient} may reset for attempts nobody waits for
 * any more (hedge losers, timed-out attempts, cancelled calls): a token bucket refilled at {@code
 * perSecond} tokens a second that holds at most {@code perSecond / 2} (at least one). So the
 * resets it allows in any one second are at most one and a half times {@code perSecond}.
 *
 * <p>Servers defend against rapid-reset floods (CVE-2023-44487) by answering many resets a second
 * with GOAWAY (Jetty 12: more than 128 in a second), which takes every stream of the connection
 * with it. An attempt that gets no token is drained instead ({@link AbandonedExchange}).
 *
 * <p>A reset that must happen anyway (the drained attempt outgrew its bounds) is {@link
 * #acquireForced() forced}: it takes a token that may not be there, so the resets that follow wait
 * longer and the average stays at {@code perSecond}. Thread-safe.
 */
final class ResetBudget {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final Clock clock;
  private final int perSecond;
  private final double capacity;
  private double tokens;
  private long refilledAt;

  ResetBudget(int perSecond, Clock clock) {
    this.clock = clock;
    this.perSecond = perSecond;
    this.capacity = Math.max(1, perSecond / 2);
    this.tokens = perSecond == 0 ? 0 : capacity;
    this.refilledAt = clock.nanoTime();
  }

  int perSecond() {
    return perSecond;
  }

  /** Takes a token if one is there. */
  synchronized boolean tryAcquire() {
    refill();
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Takes a token whether or not one is there: the debt delays the resets that follow. */
  synchronized void acquireForced() {
    refill();
    // The debt is bounded so that a burst of forced resets cannot silence the budget for long.
    tokens = Math.max(tokens - 1, -capacity);
  }

  /** How long until {@link #tryAcquire()} can succeed; {@code Long.MAX_VALUE} with a rate of 0. */
  synchronized long nanosUntilToken() {
    // No rate, no token ever: the caller waits for its own bounds instead.
    if (perSecond == 0) {
      return Long.MAX_VALUE;
    }
    refill();
    if (tokens >= 1) {
      return 0;
    }
    return (long) Math.ceil((1 - tokens) * NANOS_PER_SECOND / perSecond);
  }

  private void refill() {
    long now = clock.nanoTime();
    long elapsed = now - refilledAt;
    refilledAt = now;
    if (elapsed > 0 && perSecond > 0) {
      tokens = Math.min(capacity, tokens + (double) elapsed * perSecond / NANOS_PER_SECOND);
    }
  }
}
