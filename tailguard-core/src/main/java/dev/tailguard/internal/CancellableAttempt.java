package dev.tailguard.internal;

import dev.tailguard.AttemptContext;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engines' view of an attempt's context: they may cancel it, and they say when they listen
 * to the attempt's stage.
 *
 * <p>Why the second: a layer below the engine (the pipeline's per-attempt timeout) ends the
 * attempt by completing the stage it returned. If its timer fired before the engine subscribed to
 * that stage, the engine's reaction (scheduling the retry, starting the next hedge) would run
 * later on the thread that started the attempt, not inside the timer's task: on a test clock the
 * retry would then be due at a time that had already been advanced past, and never run. Such a
 * layer arms its timer through {@link #whenSubscribed}, so that everything a timer causes happens
 * in the timer's own task.
 */
public final class CancellableAttempt extends AttemptContext {
  private static final Runnable SUBSCRIBED = () -> {};

  /** The task waiting for the engine's subscription, or {@link #SUBSCRIBED} once it happened. */
  private final AtomicReference<Runnable> pending = new AtomicReference<>();

  public CancellableAttempt(int attempt, long timeoutNanos) {
    super(attempt, timeoutNanos);
  }

  /** Set before the cancel when the engine ended the attempt because its time ran out. */
  private volatile boolean timedOut;

  /** Cancels the attempt: runs its hooks once. */
  public void cancel() {
    fireCancel();
  }

  /**
   * Cancels the attempt because the engine's per-attempt timeout passed: the layers below see a
   * cancellation, and a concurrency limit asks {@link #timedOut()} to count it as the drop it is.
   */
  public void cancelForTimeout() {
    timedOut = true;
    fireCancel();
  }

  /**
   * Marks the attempt timed out without running its cancel hooks: a synchronous attempt's
   * timeout interrupts its thread instead.
   */
  void markTimedOut() {
    timedOut = true;
  }

  /** Whether the engine ended this attempt for its timeout (see {@link #cancelForTimeout()}). */
  public boolean timedOut() {
    return timedOut;
  }

  /**
   * Runs {@code task} once the engine has subscribed to this attempt's stage (at once if it
   * already has). One task per attempt.
   */
  public void whenSubscribed(Runnable task) {
    // Already subscribed (or a second layer asking): run now rather than lose the task.
    if (!pending.compareAndSet(null, task)) {
      task.run();
    }
  }

  /** The engine now listens to this attempt's stage: runs the task waiting for that, once. */
  public void subscribed() {
    Runnable task = pending.getAndSet(SUBSCRIBED);
    if (task != null && task != SUBSCRIBED) {
      task.run();
    }
  }
}
