package dev.tailguard.internal;

import java.util.concurrent.RejectedExecutionException;

/**
 * A scheduled task that must hear of it when it will never run: a caller-owned executor shut down
 * with {@code shutdownNow()} drops its queue without rejecting or cancelling anything, and a call
 * waiting for that task would stay pending forever.
 */
interface LossAware extends Runnable {
  /** The task will never run; called at most once, never after {@link #run()} started. */
  void lost(RejectedExecutionException why);
}
