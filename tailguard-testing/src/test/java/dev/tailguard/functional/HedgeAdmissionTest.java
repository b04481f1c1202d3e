package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.CallKilledException;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetryAdmission;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 12: a refused hedge either stops hedging (the default) or kills the call, as the
 * design notes' backup-request library does; and the admission sees which call asks, and for
 * which attempt, so one {@code Hedge} can keep a per-call limit.
 */
class HedgeAdmissionTest {
  private final FakeClock clock = new FakeClock();
  private final List<CompletableFuture<String>> attempts = new ArrayList<>();
  private final AsyncAttempt<String> hanging = context -> {
    CompletableFuture<String> attempt = new CompletableFuture<>();
    attempts.add(attempt);
    return attempt;
  };

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  private Hedge hedge(RetryAdmission admission, HedgePolicy.RefusedHedge whenRefused) {
    return Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3)
        .admission(admission).whenHedgeRefused(whenRefused).build(), clock, clock);
  }

  @Test
  void aRefusedHedgeKillsTheCallWhenThePolicySaysKillCall() {
    CompletableFuture<String> call = hedge(attempt -> false, HedgePolicy.RefusedHedge.KILL_CALL)
        .executeAsync(hanging, OutcomeHandler.defaults());
    clock.advanceMillis(10);

    Throwable failure = call.handle((result, error) -> error).join();
    assertThat(failure).isInstanceOf(CallKilledException.class).hasCauseInstanceOf(BudgetExhaustedException.class)
        .hasMessageContaining("refused hedge 2");
    assertThat(Hedge.isKilled(failure)).isTrue();
    assertThat(attempts).hasSize(1);
    assertThat(attempts.get(0)).as("the attempt running is cancelled").isCancelled();
  }

  @Test
  void aRefusedHedgeOnlyStopsHedgingByDefault() {
    HedgePolicy policy = HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).admission(attempt -> false).build();
    assertThat(policy.whenHedgeRefused()).isEqualTo(HedgePolicy.RefusedHedge.STOP_HEDGING);
    CompletableFuture<String> call = Hedge.of(policy, clock, clock).executeAsync(hanging, OutcomeHandler.defaults());
    clock.advanceMillis(100);

    assertThat(call).isNotDone();
    attempts.get(0).complete("ok");
    assertThat(call).isCompletedWithValue("ok");
    assertThat(attempts).hasSize(1);
  }

  @Test
  void theAdmissionSeesTheCallAndTheAttemptSoOneHedgeKeepsAPerCallLimit() {
    Map<Long, List<Integer>> asked = new ConcurrentHashMap<>();
    RetryAdmission oneHedgePerCall = new RetryAdmission() {
      @Override
      public boolean admit(int attempt) {
        throw new AssertionError("the engine asks with the call's identity");
      }

      @Override
      public boolean admit(long callId, int attempt) {
        List<Integer> mine = asked.computeIfAbsent(callId, id -> new ArrayList<>());
        mine.add(attempt);
        return mine.size() == 1;
      }
    };
    Hedge hedge = hedge(oneHedgePerCall, HedgePolicy.RefusedHedge.STOP_HEDGING);
    CompletableFuture<String> first = hedge.executeAsync(hanging, OutcomeHandler.defaults());
    CompletableFuture<String> second = hedge.executeAsync(hanging, OutcomeHandler.defaults());
    clock.advanceMillis(10);
    clock.advanceMillis(10);

    assertThat(asked).hasSize(2);
    assertThat(asked.values()).allSatisfy(perCall -> assertThat(perCall).containsExactly(2, 3));
    assertThat(attempts).as("each call: the original and one hedge").hasSize(4);
    attempts.forEach(attempt -> attempt.complete("ok"));
    assertThat(first).isCompletedWithValue("ok");
    assertThat(second).isCompletedWithValue("ok");
  }
}
