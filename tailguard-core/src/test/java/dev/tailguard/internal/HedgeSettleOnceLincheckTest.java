package dev.tailguard.internal;

import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model check of a hedged call's settle-once logic ({@link HedgeExecution}): two attempts in flight
 * answer and the caller cancels, on any threads, and the call must end exactly once.
 *
 * <p>Each scenario starts with a hedged call of two attempts, both running (the hedge timer has
 * fired). {@code answer1()} and {@code answer2()} make attempt 1 or 2 answer with a successful
 * result; {@code cancel()} cancels the call's future; {@code outcome()} reads the call's future.
 *
 * <p>Sequential specification ({@link Spec}): the call's outcome is the first event's (attempt 1's
 * result, attempt 2's result or cancelled) and never changes; {@code cancel()} returns true when
 * the call ends cancelled (as {@link CompletableFuture#cancel} does); {@code outcome()} is "pending" until
 * then.
 *
 * <p>Checked after every run ({@link #eachAttemptSettledOnce}): no attempt's cancel hook ran more
 * than once; once the call has ended, every attempt that did not win was cancelled exactly once, the
 * winner never; every result that did not win was handed to the discard hook exactly once, the
 * winner's never.
 */
public class HedgeSettleOnceLincheckTest {
  private final List<Runnable> timers = new ArrayList<>();
  private final Scheduler scheduler = (task, delay) -> {
    timers.add(task);
    return () -> true;
  };
  private final List<CompletableFuture<String>> attempts = new ArrayList<>();
  private final AtomicInteger[] cancelHooks = {new AtomicInteger(), new AtomicInteger()};
  private final AtomicInteger[] discarded = {new AtomicInteger(), new AtomicInteger()};
  private final AtomicInteger nullDiscards = new AtomicInteger();
  private final CompletableFuture<String> call;

  public HedgeSettleOnceLincheckTest() {
    HedgePolicy policy = HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(2).build();
    OutcomeHandler<String> handler = OutcomeHandler.<String>builder()
        .onDiscard(result -> (result == null ? nullDiscards : discarded[result.equals("one") ? 0 : 1]).incrementAndGet()).build();
    call = HedgeExecution.start(policy, new ManualClock(), scheduler, new SplittableRandom(1), context -> {
      int n = attempts.size();
      context.onCancel(() -> cancelHooks[n].incrementAndGet());
      CompletableFuture<String> attempt = new CompletableFuture<>();
      attempts.add(attempt);
      return attempt;
    }, handler);
    // The hedge timer fires before the scenario: both attempts run.
    timers.remove(0).run();
    if (attempts.size() != 2) {
      throw new IllegalStateException("expected two attempts in flight, got " + attempts.size());
    }
  }

  @Operation
  public void answer1() {
    attempts.get(0).complete("one");
  }

  @Operation
  public void answer2() {
    attempts.get(1).complete("two");
  }

  @Operation
  public boolean cancel() {
    return call.cancel(true);
  }

  @Operation
  public String outcome() {
    if (call.isCancelled()) {
      return "cancelled";
    }
    return call.getNow("pending");
  }

  @Validate
  public void eachAttemptSettledOnce() {
    if (nullDiscards.get() > 0) {
      throw new IllegalStateException("a null result was discarded");
    }
    String winner = !call.isDone() ? null : call.isCancelled() ? "cancelled" : call.getNow(null);
    String[] results = {"one", "two"};
    for (int i = 0; i < 2; i++) {
      int cancels = cancelHooks[i].get();
      int discards = discarded[i].get();
      boolean answered = attempts.get(i).isDone() && !attempts.get(i).isCancelled();
      boolean won = results[i].equals(winner);
      boolean settledOnce = cancels <= 1 && discards <= 1;
      if (winner != null) {
        // The winner is never cancelled nor discarded; a loser's result, if it answered, is
        // discarded once; a loser that did not answer was cancelled once.
        settledOnce &= won ? cancels == 0 && discards == 0 : discards == (answered ? 1 : 0) && (answered || cancels == 1);
      }
      if (!settledOnce) {
        throw new IllegalStateException("attempt " + (i + 1) + " (call: " + winner + ", answered: " + answered + ") cancelled "
            + cancels + " times, discarded " + discards + " times");
      }
    }
  }

  @Test
  void answersAndCancellationRacingEndTheCallOnce() {
    // Each interleaving runs CompletableFuture's and the engine's code under the model checker, so
    // fewer of them per scenario keep this check under a minute on a loaded 2-core machine.
    LincheckRuns.modelChecking(10).invocationsPerIteration(300 * LincheckRuns.scale())
        .sequentialSpecification(Spec.class).check(getClass());
  }

  /** The call as one write-once cell. */
  public static final class Spec {
    private String outcome = "pending";

    private void settle(String value) {
      if (outcome.equals("pending")) {
        outcome = value;
      }
    }

    public void answer1() {
      settle("one");
    }

    public void answer2() {
      settle("two");
    }

    /** As {@link CompletableFuture#cancel}: true when the call is cancelled afterwards, by this call or an earlier one. */
    public boolean cancel() {
      settle("cancelled");
      return outcome.equals("cancelled");
    }

    public String outcome() {
      return outcome;
    }
  }
}
