package dev.tailguard.internal;

import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.ConcurrencyLimitExceededException;
import dev.tailguard.event.ConcurrencyLimitChangedEvent;
import dev.tailguard.event.ConcurrencyLimitRefusedEvent;
import dev.tailguard.event.EventListener;
import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The permits of a {@link ConcurrencyLimit}: an exact in-flight count taken by CAS against the
 * current limit (both in one atomic word, so no decision mixes an old count with a new limit), an optional queue of bounded waiters, and (for an adaptive limit) the {@link
 * AdaptiveLimit} that moves the limit.
 *
 * <p>Invariants: {@code 0 <= inFlight}; a permit is taken only while {@code inFlight < limit}, so
 * {@code inFlight} exceeds the current limit only after the limit was lowered under running
 * attempts, and then no new permit is given until it is below again. Every taken permit is
 * returned exactly once by its holder; returning more than were taken throws instead of drifting.
 */
public final class DefaultConcurrencyLimit implements ConcurrencyLimit {
  private final String name;
  private final Duration maxWait;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<EventListener<ConcurrencyLimitRefusedEvent>> refusedListeners;
  private final List<EventListener<ConcurrencyLimitChangedEvent>> changedListeners;
  private final AdaptiveLimit adaptive;
  /** The limit in the high 32 bits, the in-flight count in the low 32: one word, so a decision sees both at one instant. */
  private final AtomicLong state;
  private final LongAdder refusals = new LongAdder();
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waiting = new AtomicInteger();
  /** Whether this thread is inside {@link #drainWaiters} for this limit (see there). */
  private final ThreadLocal<Boolean> draining = new ThreadLocal<>();

  public DefaultConcurrencyLimit(String name, int initialLimit, Duration maxWait, Clock clock, Scheduler scheduler,
      List<EventListener<ConcurrencyLimitRefusedEvent>> refusedListeners,
      List<EventListener<ConcurrencyLimitChangedEvent>> changedListeners, AdaptiveLimit adaptive) {
    this.name = name;
    this.state = new AtomicLong(pack(initialLimit, 0));
    this.maxWait = maxWait;
    this.clock = clock;
    this.scheduler = scheduler;
    this.refusedListeners = refusedListeners;
    this.changedListeners = changedListeners;
    this.adaptive = adaptive;
  }

  @Override
  public long tryAcquire() {
    if (take()) {
      return ticket();
    }
    refused(false);
    return REFUSED;
  }

  @Override
  public CompletableFuture<Long> acquire() {
    if (take()) {
      return CompletableFuture.completedFuture(ticket());
    }
    // No wait configured: refuse at once, as tryAcquire does.
    if (maxWait.isZero()) {
      refused(false);
      return CompletableFuture.failedFuture(refusal());
    }
    Waiter waiter = new Waiter();
    waiting.incrementAndGet();
    waiters.add(waiter);
    waiter.whenComplete((ticket, error) -> {
      waiting.decrementAndGet();
      waiters.remove(waiter);
      Cancellable timer = waiter.timer;
      if (timer != null) {
        timer.cancel();
      }
    });
    try {
      waiter.timer = scheduler.schedule(() -> {
        if (waiter.completeExceptionally(refusal())) {
          refused(true);
        }
      }, maxWait);
    } catch (RejectedExecutionException rejected) {
      waiter.completeExceptionally(rejected);
      return waiter;
    }
    // The completion raced the schedule call: the timer it cancelled may not have been set yet.
    if (waiter.isDone()) {
      waiter.timer.cancel();
    }
    // A permit freed between our take() and joining the queue saw no waiter: look again.
    drainWaiters();
    return waiter;
  }

  @Override
  public void onSuccess(long ticket) {
    end(ticket, false);
  }

  @Override
  public void onDropped(long ticket) {
    end(ticket, true);
  }

  @Override
  public void onIgnored(long ticket) {
    release();
  }

  @Override
  public ConcurrencyLimitExceededException refusal() {
    long now = state.get();
    return new ConcurrencyLimitExceededException(name, limitOf(now), inFlightOf(now));
  }

  @Override
  public int limit() {
    return limitOf(state.get());
  }

  @Override
  public int inFlight() {
    return inFlightOf(state.get());
  }

  @Override
  public long refusals() {
    return refusals.sum();
  }

  @Override
  public Duration maxWait() {
    return maxWait;
  }

  @Override
  public String name() {
    return name;
  }

  /** The adaptive part, or null for a fixed limit. */
  public AdaptiveLimit adaptive() {
    return adaptive;
  }

  @Override
  public String toString() {
    return "ConcurrencyLimit{" + name + ", " + (adaptive == null ? "fixed" : adaptive.rule().describe())
        + ", limit=" + limit() + ", inFlight=" + inFlight() + "}";
  }

  private boolean take() {
    for (;;) {
      long now = state.get();
      if (inFlightOf(now) >= limitOf(now)) {
        return false;
      }
      if (state.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  private static long pack(int limit, int inFlight) {
    return ((long) limit << 32) | (inFlight & 0xFFFF_FFFFL);
  }

  private static int limitOf(long packed) {
    return (int) (packed >>> 32);
  }

  private static int inFlightOf(long packed) {
    return (int) packed;
  }

  /** The ticket of an adaptive limit's attempt that is not timed (see {@link AdaptiveLimit#sample()}). */
  static final long UNTIMED_TICKET = REFUSED + 1;

  private long ticket() {
    // A fixed limit measures nothing, and an adaptive one times only a sample: no clock read on their path.
    if (adaptive == null || !adaptive.sample()) {
      return adaptive == null ? 0 : UNTIMED_TICKET;
    }
    long now = clock.nanoTime();
    // A clock reading that collides with a sentinel moves one tick: a nanosecond costs the estimate nothing.
    return now <= UNTIMED_TICKET ? UNTIMED_TICKET + 1 : now;
  }

  private void end(long ticket, boolean dropped) {
    int held = giveBack();
    if (adaptive != null) {
      boolean timed = ticket != UNTIMED_TICKET;
      // An untimed success teaches nothing the timed sample does not: no clock read, no atomics.
      if (timed || dropped) {
        long now = clock.nanoTime();
        int before = limit();
        int next = adaptive.record(now, timed ? now - ticket : AdaptiveLimit.UNTIMED, dropped, held, before);
        if (next >= 0 && next != before) {
          applyLimit(before, next);
        }
      }
    }
    if (waiting.get() > 0) {
      drainWaiters();
    }
  }

  /**
   * Publishes a new limit from the one thread that closed the adaptive window, and fires the
   * change. Package-visible as the seam the model check drives adaptive updates through: the
   * permits only ever see the limit field change, whatever rule moved it.
   */
  void applyLimit(int before, int next) {
    for (;;) {
      long now = state.get();
      if (state.compareAndSet(now, pack(next, inFlightOf(now)))) {
        break;
      }
    }
    if (!changedListeners.isEmpty()) {
      Listeners.fire(changedListeners, new ConcurrencyLimitChangedEvent(name, before, next));
    }
    // A raised limit may free permits for waiters.
    if (next > before && waiting.get() > 0) {
      drainWaiters();
    }
  }

  private void release() {
    giveBack();
    if (waiting.get() > 0) {
      drainWaiters();
    }
  }

  /** Returns one permit; returns the in-flight count before it. */
  private int giveBack() {
    for (;;) {
      long now = state.get();
      int held = inFlightOf(now);
      // More permits returned than taken is a caller's bug: refuse it rather than drift below zero.
      if (held <= 0) {
        throw new IllegalStateException("concurrency limit '" + name + "': a permit was returned that was not taken");
      }
      if (state.compareAndSet(now, now - 1)) {
        return held;
      }
    }
  }

  /**
   * Hands free permits to waiters, oldest first, until either runs out. A waiter's completion
   * starts its attempt on this thread, and an attempt that answers at once returns its permit and
   * asks for a drain again from inside this one: that nested request returns at once, since this
   * loop goes on to the next waiter and takes the permit itself. A queue of any length is served
   * in a loop, not in a recursion as deep as the queue (which overflowed the stack inside the
   * completions and lost the permit). Other threads still drain for themselves: none is kept
   * serving other callers' waiters for longer than its own loop.
   */
  private void drainWaiters() {
    // Already draining on this thread, further up the stack: that loop serves this permit.
    if (draining.get() == Boolean.TRUE) {
      return;
    }
    draining.set(Boolean.TRUE);
    try {
      drainOnce();
    } finally {
      draining.set(Boolean.FALSE);
    }
  }

  private void drainOnce() {
    Waiter waiter;
    while ((waiter = waiters.peek()) != null) {
      if (waiter.isDone()) {
        waiters.remove(waiter);
        continue;
      }
      if (!take()) {
        return;
      }
      // Timed out, cancelled or served by another thread meanwhile: the permit goes back.
      if (!waiter.complete(ticket())) {
        giveBack();
      }
    }
  }

  private void refused(boolean waited) {
    refusals.increment();
    if (!refusedListeners.isEmpty()) {
      long now = state.get();
      Listeners.fire(refusedListeners, new ConcurrencyLimitRefusedEvent(name, limitOf(now), inFlightOf(now), waited));
    }
  }

  /** One attempt waiting for a permit; completed with its ticket, or exceptionally when refused. */
  private static final class Waiter extends CompletableFuture<Long> {
    volatile Cancellable timer;
  }
}
