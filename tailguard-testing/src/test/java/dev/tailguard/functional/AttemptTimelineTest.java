package dev.tailguard.functional;

import static dev.tailguard.functional.ScriptedCall.Step.fail;
import static dev.tailguard.functional.ScriptedCall.Step.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AttemptTimeline;
import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.event.AttemptStartedEvent;
import dev.tailguard.event.CircuitRejectedEvent;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AttemptTimelineTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void aHedgedCallShowsTheLoserCancelledAndWhyTheHedgeStarted() {
    List<AttemptStartedEvent> started = new ArrayList<>();
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).onAttempt(started::add).build(), clock, clock);
    AttemptTimeline timeline = AttemptTimeline.start(clock);
    ScriptedCall call = new ScriptedCall(clock, ok(100, "slow"), ok(15, "fast"));
    CompletableFuture<String> result = timeline.finish(hedge.executeAsync(timeline.observe(call.async(), OutcomeHandler.defaults()), OutcomeHandler.defaults()));
    clock.runUntilIdle();
    assertThat(result).isCompletedWithValue("fast");
    List<AttemptTimeline.Entry> entries = timeline.entries();
    assertThat(entries).extracting(AttemptTimeline.Entry::outcome)
        .containsExactly(AttemptTimeline.Outcome.CANCELLED, AttemptTimeline.Outcome.SUCCESS);
    assertThat(entries).extracting(AttemptTimeline.Entry::won).containsExactly(false, true);
    assertThat(entries.get(1).why()).isEqualTo("hedge: #1 outstanding for 10ms");
    assertThat(entries.get(0).endNanos()).isEqualTo(Duration.ofMillis(25).toNanos());
    assertThat(timeline.render()).startsWith("call 25ms, 2 attempts, won by #2").contains("WON");
    assertThat(started).extracting(AttemptStartedEvent::kind).containsExactly(AttemptStartedEvent.Kind.FIRST, AttemptStartedEvent.Kind.HEDGE);
  }

  @Test
  void aRetriedCallShowsTheFailureAndTheWait() throws Exception {
    List<AttemptStartedEvent> started = new ArrayList<>();
    Retry retry = Retry.of(RetryPolicy.builder().backoff(Backoff.fixed(Duration.ofMillis(10))).onAttempt(started::add).build(), clock, clock);
    AttemptTimeline timeline = AttemptTimeline.start(clock);
    ScriptedCall call = new ScriptedCall(clock, fail(5, () -> new IOException("reset")), ok(5, "ok"));
    String result = retry.execute(timeline.observe(call.sync(), OutcomeHandler.defaults()), OutcomeHandler.defaults());
    timeline.finish(result, null);
    assertThat(timeline.entries()).extracting(AttemptTimeline.Entry::outcome)
        .containsExactly(AttemptTimeline.Outcome.RETRYABLE, AttemptTimeline.Outcome.SUCCESS);
    assertThat(timeline.entries().get(1).why()).isEqualTo("after #1 failed, waited 10ms");
    assertThat(timeline.winner()).contains(2);
    assertThat(started).extracting(AttemptStartedEvent::kind).containsExactly(AttemptStartedEvent.Kind.FIRST, AttemptStartedEvent.Kind.RETRY);
    assertThat(started).extracting(e -> e.sinceCallStart().toMillis()).containsExactly(0L, 15L);
  }

  @Test
  void aFailedCallHasNoWinnerButStillATimeline() {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(10))).build(), clock, clock);
    AttemptTimeline timeline = AttemptTimeline.start(clock);
    ScriptedCall call = new ScriptedCall(clock, fail(5, () -> new IOException("a")), fail(5, () -> new IOException("b")));
    CompletableFuture<String> result = timeline.finish(retry.executeAsync(timeline.observe(call.async(), OutcomeHandler.defaults()), OutcomeHandler.defaults()));
    clock.runUntilIdle();
    assertThat(result).isCompletedExceptionally();
    assertThat(timeline.winner()).isEmpty();
    assertThat(timeline.render()).startsWith("call 20ms, 2 attempts, no winner");
  }

  @Test
  void aBreakerReportsEachRejection() {
    List<CircuitRejectedEvent> rejected = new ArrayList<>();
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("b").onRejected(rejected::add).build(), clock);
    breaker.transitionToForcedOpen();
    assertThat(breaker.tryAcquire()).isNull();
    assertThat(breaker.tryAcquire()).isNull();
    assertThat(rejected).hasSize(2).allSatisfy(e -> assertThat(e.state()).isEqualTo(CircuitState.FORCED_OPEN));
  }
}
