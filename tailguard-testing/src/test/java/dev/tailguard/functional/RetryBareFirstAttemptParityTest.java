package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: {@code Retry.execute(Callable)} skips classifying and counting a first attempt that
 * returns when the policy has no clock and no admission check. Every scenario here runs through
 * that fast path and through the general loop ({@code execute(call, OutcomeHandler.defaults())},
 * the reference) and must give the same attempts, timings, result or exception, suppressed
 * history and interrupt flag.
 */
class RetryBareFirstAttemptParityTest {

  /** What one run showed: attempt start times, the outcome, and whether the thread was left interrupted. */
  private record Observed(List<Long> startsMillis, String outcome, boolean interrupted) {}

  private static Observed run(boolean fastPath, List<Supplier<Object>> script) {
    FakeClock clock = new FakeClock();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build(), clock, clock);
    List<Long> starts = new ArrayList<>();
    Callable<Object> call = () -> {
      starts.add(Duration.ofNanos(clock.nanoTime()).toMillis());
      Object step = script.get(starts.size() - 1).get();
      if (step instanceof Exception e) {
        throw e;
      }
      if (step instanceof Error e) {
        throw e;
      }
      return step;
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

  private static String describe(Throwable t) {
    StringBuilder out = new StringBuilder(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    if (t.getCause() != null) {
      out.append(" caused by ").append(t.getCause().getClass().getSimpleName()).append(": ").append(t.getCause().getMessage());
    }
    for (Throwable suppressed : t.getSuppressed()) {
      out.append(" suppressed ").append(suppressed.getClass().getSimpleName()).append(": ").append(suppressed.getMessage());
    }
    return out.toString();
  }

  private static void assertSameOnBothPaths(List<Supplier<Object>> script, String expectedOutcomeStart) {
    Observed reference = run(false, script);
    Observed fast = run(true, script);
    assertThat(fast).isEqualTo(reference);
    assertThat(fast.outcome()).startsWith(expectedOutcomeStart);
  }

  @Test
  void aFirstAttemptThatReturnsIsTheAnswerOnBothPaths() {
    assertSameOnBothPaths(List.of(() -> "ok"), "returned ok");
  }

  @Test
  void aNullResultIsASuccessOnBothPaths() {
    assertSameOnBothPaths(List.of(() -> null), "returned null");
  }

  @Test
  void aFirstFailureIsRetriedOnBothPaths() {
    assertSameOnBothPaths(List.of(() -> new IOException("reset"), () -> "ok"), "returned ok");
  }

  @Test
  void threeFailuresGiveUpWithTheSameHistoryOnBothPaths() {
    assertSameOnBothPaths(List.of(() -> new IOException("a"), () -> new IOException("b"), () -> new IOException("c")),
        "RetriesExhaustedException");
  }

  @Test
  void anErrorIsNeverRetriedOnBothPaths() {
    assertSameOnBothPaths(List.of(() -> new AssertionError("bug"), () -> "ok"), "AssertionError: bug");
  }

  @Test
  void anInterruptedFirstAttemptStopsAndKeepsTheFlagOnBothPaths() {
    Observed fast = run(true, List.of(() -> new InterruptedException("stop"), () -> "ok"));
    assertThat(fast.interrupted()).isTrue();
    assertThat(fast.startsMillis()).hasSize(1);
    assertSameOnBothPaths(List.of(() -> new InterruptedException("stop"), () -> "ok"), "InterruptedException: stop");
  }

  @Test
  void aRejectionThrownByTheAttemptEndsTheCallOnBothPaths() {
    assertSameOnBothPaths(List.of(() -> new CircuitOpenException("downstream", CircuitState.OPEN), () -> "ok"),
        "CircuitOpenException");
  }
}
