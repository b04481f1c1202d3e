package dev.tailguard.internal;

import dev.tailguard.time.Cancellable;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interrupts a synchronous attempt's thread when its time is up, and makes sure that interrupt
 * never leaks past the attempt.
 *
 * <p>State: ARMED until either the attempt ends (DONE) or the timer fires (FIRING, then FIRED once
 * the interrupt is delivered). The worker waits out FIRING before clearing the flag, so an
 * interrupt cannot land after the worker believes it has cleared it.
 */
final class AttemptInterrupter implements Runnable {
  private static final int ARMED = 0;
  private static final int DONE = 1;
  private static final int FIRING = 2;
  private static final int FIRED = 3;

  private final AtomicInteger state = new AtomicInteger(ARMED);
  private final Thread worker;
  private final CancellableAttempt context;
  private volatile Cancellable timer;

  private AttemptInterrupter(Thread worker, CancellableAttempt context) {
    this.worker = worker;
    this.context = context;
  }

  /** Arms an interrupt of the current thread after {@code nanos}. */
  static AttemptInterrupter arm(Scheduler scheduler, long nanos) {
    return arm(scheduler, nanos, null);
  }

  /**
   * Arms an interrupt of the current thread after {@code nanos}, marking {@code context} timed out
   * (when not null) just before it, so the layers the attempt runs through can tell the engine's
   * timeout from the caller's interrupt.
   */
  static AttemptInterrupter arm(Scheduler scheduler, long nanos, CancellableAttempt context) {
    AttemptInterrupter interrupter = new AttemptInterrupter(Thread.currentThread(), context);
    interrupter.timer = scheduler.schedule(interrupter, Duration.ofNanos(nanos));
    return interrupter;
  }

  @Override
  public void run() {
    if (state.compareAndSet(ARMED, FIRING)) {
      if (context != null) {
        context.markTimedOut();
      }
      worker.interrupt();
      state.set(FIRED);
    }
  }

  /**
   * Ends the attempt's watch. Returns whether the timer fired first, in which case the interrupt
   * it sent has been cleared from the current thread.
   */
  boolean disarm() {
    if (state.compareAndSet(ARMED, DONE)) {
      Cancellable pending = timer;
      if (pending != null) {
        pending.cancel();
      }
      return false;
    }
    while (state.get() == FIRING) {
      Thread.onSpinWait();
    }
    // The interrupt was ours, not the caller's: clear it so the next attempt starts clean.
    Thread.interrupted();
    return true;
  }
}
