package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.Jitter;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * Random scripts through {@code Retry.execute(Callable)}'s bare-first-attempt fast path and the
 * general loop ({@code execute(call, OutcomeHandler.defaults())}, the reference), with random
 * policies (attempts, jittered backoff from one seed): values, nulls, checked and unchecked
 * exceptions, Errors, interrupts (thrown, or the flag set by a returning attempt), rejections and
 * a Throwable that is neither. Both paths must give the same attempts, times, outcome, give-up
 * history and interrupt flag.
 */
class RetryFastPathRandomParityTest {

  /** A Throwable that is neither an Exception nor an Error, thrown by a sneaky attempt. */
  static final class Odd extends Throwable {
    Odd(String message) {
      super(message);
    }
  }

  private record Observed(List<Long> startsNanos, String outcome, boolean interrupted) {}

  private static Observed run(boolean fastPath, long seed, RetryPolicy policy, List<Integer> script) {
    FakeClock clock = new FakeClock();
    Retry retry = Retry.of(policy, clock, clock, new Random(seed));
    List<Long> starts = new ArrayList<>();
    Callable<Object> call = () -> {
      starts.add(clock.nanoTime());
      int n = starts.size();
      int step = script.get(Math.min(n, script.size()) - 1);
      switch (step) {
        case 0: return "v" + n;
        case 1: return null;
        case 2: throw new IOException("io" + n);
        case 3: throw new IllegalStateException("ise" + n);
        case 4: throw new AssertionError("err" + n);
        case 5: throw new InterruptedException("int" + n);
        case 6: Thread.currentThread().interrupt(); return "flagged" + n;
        case 7: throw new CircuitOpenException("down", CircuitState.OPEN);
        default: throw RetryFastPathRandomParityTest.<RuntimeException>sneaky(new Odd("odd" + n));
      }
    };
    String outcome;
    try {
      Object result = fastPath ? retry.execute(call) : retry.execute(call, OutcomeHandler.defaults());
      outcome = "returned " + result;
    } catch (Throwable t) {
      outcome = describe(t);
    }
    return new Observed(starts, outcome, Thread.interrupted());
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }

  private static String describe(Throwable t) {
    StringBuilder out = new StringBuilder(t.getClass().getName()).append(": ").append(t.getMessage());
    if (t instanceof RetriesExhaustedException exhausted) {
      out.append(" reason ").append(exhausted.reason()).append(" attempts ").append(exhausted.attempts());
    }
    if (t.getCause() != null) {
      out.append(" caused by ").append(t.getCause());
    }
    for (Throwable suppressed : t.getSuppressed()) {
      out.append(" suppressed ").append(suppressed);
    }
    return out.toString();
  }

  @Test
  void randomScriptsAndPoliciesGiveTheSameCallOnTheFastPathAndTheGeneralLoop() {
    Random random = new Random(20);
    for (int i = 0; i < 3_000; i++) {
      long seed = random.nextLong();
      RetryPolicy policy = RetryPolicy.builder().maxAttempts(1 + random.nextInt(4))
          .backoff(Backoff.exponential(Duration.ofMillis(1 + random.nextInt(20)), Duration.ofSeconds(1))
              .withJitter(random.nextBoolean() ? Jitter.full() : Jitter.none()))
          .build();
      List<Integer> script = new ArrayList<>();
      for (int s = 0; s < 5; s++) {
        script.add(random.nextInt(9));
      }
      Observed reference = run(false, seed, policy, script);
      Observed fast = run(true, seed, policy, script);
      assertThat(fast).as("script %s, policy %s", script, policy).isEqualTo(reference);
    }
  }
}
