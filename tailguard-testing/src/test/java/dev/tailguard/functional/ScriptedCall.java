package dev.tailguard.functional;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptCallable;
import dev.tailguard.AttemptContext;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A backend whose attempts follow a script: each step takes a virtual duration, then returns a
 * result or throws. The same script drives a synchronous attempt (which sleeps on the FakeClock)
 * and an asynchronous one (whose future the FakeClock completes), so both paths see the same world.
 */
final class ScriptedCall {
  /** One attempt's behaviour. */
  static final class Step {
    final long millis;
    final String result;
    final Supplier<Exception> error;

    private Step(long millis, String result, Supplier<Exception> error) {
      this.millis = millis;
      this.result = result;
      this.error = error;
    }

    static Step ok(long millis, String result) {
      return new Step(millis, result, null);
    }

    /** Fails with a fresh exception each time, so runs never share (and mutate) one instance. */
    static Step fail(long millis, Supplier<Exception> error) {
      return new Step(millis, null, error);
    }
  }

  private final FakeClock clock;
  private final List<Step> steps;
  final List<Long> attemptStartsMillis = new ArrayList<>();
  final List<AttemptContext> contexts = new ArrayList<>();
  final List<CompletableFuture<String>> futures = new ArrayList<>();

  ScriptedCall(FakeClock clock, Step... steps) {
    this.clock = clock;
    this.steps = List.of(steps);
  }

  int attempts() {
    return attemptStartsMillis.size();
  }

  private Step next(AttemptContext context) {
    contexts.add(context);
    attemptStartsMillis.add(Duration.ofNanos(clock.nanoTime()).toMillis());
    int index = Math.min(attemptStartsMillis.size(), steps.size()) - 1;
    return steps.get(index);
  }

  AttemptCallable<String> sync() {
    return context -> {
      Step step = next(context);
      clock.sleep(Duration.ofMillis(step.millis));
      if (step.error != null) {
        throw step.error.get();
      }
      return step.result;
    };
  }

  AsyncAttempt<String> async() {
    return context -> {
      Step step = next(context);
      CompletableFuture<String> future = new CompletableFuture<>();
      futures.add(future);
      clock.schedule(
          () -> {
            if (step.error != null) {
              future.completeExceptionally(step.error.get());
            } else {
              future.complete(step.result);
            }
          },
          Duration.ofMillis(step.millis));
      return future;
    };
  }
}
