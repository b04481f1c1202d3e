package dev.tailguard.okhttp;

import dev.tailguard.testing.FakeClock;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a blocking call on its own thread while this thread moves a {@link FakeClock} to each timer
 * the call schedules (backoffs, hedge delays), so retries wait on fake time, not real time. Only
 * for calls whose timers are all meant to fire: a per-attempt timeout would fire at once.
 */
final class FakeTimeDriver {
  private FakeTimeDriver() {}

  static <T> T drive(FakeClock clock, Callable<T> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        result.complete(call.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, "fake-time-caller");
    caller.setDaemon(true);
    caller.start();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < giveUp) {
      try {
        return result.get(2, TimeUnit.MILLISECONDS);
      } catch (TimeoutException running) {
        clock.runNext();
      } catch (ExecutionException failed) {
        if (failed.getCause() instanceof Exception) {
          throw (Exception) failed.getCause();
        }
        throw (Error) failed.getCause();
      }
    }
    caller.interrupt();
    throw new AssertionError("the call did not end within 20 s");
  }
}
