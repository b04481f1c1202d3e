package dev.tailguard.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * A scheduled task that must hear of it when it will never run: a caller-owned executor shut down
 * with {@code shutdownNow()} drops its queue without rejecting or cancelling anything, and a call
 * waiting for that task would stay pending forever.
 */
interface LossAware extends Runnable {
  /** The task will never run; called at most once, never after {@link #run()} started. */
  void lost(RejectedExecutionException why);

  /** A task that runs {@code task}, or calls {@code onLost} if it will never run. */
  static LossAware of(Runnable task, Consumer<RejectedExecutionException> onLost) {
    return new LossAware() {
      @Override
      public void run() {
        task.run();
      }

      @Override
      public void lost(RejectedExecutionException why) {
        onLost.accept(why);
      }
    };
  }
}
