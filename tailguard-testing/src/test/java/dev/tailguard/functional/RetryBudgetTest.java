package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.event.BudgetExhaustedEvent;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void tokenBucketAllowsRetriesOnlyAboveHalfItsTokens() {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(10).tokenRatio(0.1).build();
    assertThat(budget.state().level()).isEqualTo(10.0);
    for (int i = 0; i < 4; i++) {
      budget.record(Verdict.RETRYABLE);
    }
    assertThat(budget.admit(2)).as("6 tokens > 5").isTrue();
    budget.record(Verdict.RETRYABLE);
    assertThat(budget.admit(2)).as("5 tokens is not above half").isFalse();
    // Ten successes at 0.1 add exactly one token: fixed point, no drift.
    for (int i = 0; i < 10; i++) {
      budget.record(Verdict.SUCCESS);
    }
    assertThat(budget.state().level()).isEqualTo(6.0);
    assertThat(budget.admit(2)).isTrue();
    assertThat(budget.state().denials()).isEqualTo(1);
  }

  @Test
  void tokenBucketNeverLeavesZeroToMaxTokens() {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(3).tokenRatio(0.5).build();
    for (int i = 0; i < 100; i++) {
      budget.record(Verdict.RETRYABLE);
    }
    assertThat(budget.state().level()).isZero();
    for (int i = 0; i < 100; i++) {
      budget.record(Verdict.SUCCESS);
    }
    assertThat(budget.state().level()).isEqualTo(3.0);
    budget.record(Verdict.NON_RETRYABLE);
    assertThat(budget.state().level()).as("a 400 says nothing about health").isEqualTo(3.0);
  }

  @Test
  void tokenBucketStopsRetryingAboveItsCutOffFailureRate() {
    // With ratio r the level drifts down iff failures exceed r/(1+r) of outcomes: 9.1% for 0.1.
    // Near the cut-off the level is a random walk, so measure how often admission is open.
    assertThat(shareOfTimeRetriesAreAllowed(0.05)).isGreaterThan(0.95);
    assertThat(shareOfTimeRetriesAreAllowed(0.15)).isLessThan(0.05);
  }

  private static double shareOfTimeRetriesAreAllowed(double failureRate) {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(10).tokenRatio(0.1).build();
    SplittableRandom random = new SplittableRandom(5);
    int open = 0;
    int outcomes = 20_000;
    for (int i = 0; i < outcomes; i++) {
      budget.record(random.nextDouble() < failureRate ? Verdict.RETRYABLE : Verdict.SUCCESS);
      open += budget.admit(2) ? 1 : 0;
    }
    return (double) open / outcomes;
  }

  @Test
  void ratioBudgetAllowsItsShareOfRequestsPlusTheReserve() {
    RetryBudget budget = RetryBudget.ratio().percentCanRetry(0.2).minRetriesPerSecond(1).ttl(Duration.ofSeconds(10)).clock(clock).build();
    for (int i = 0; i < 100; i++) {
      budget.admitRequest();
    }
    int admitted = 0;
    while (budget.admit(2)) {
      admitted++;
    }
    // 20% of 100 requests plus a reserve of 1/s over 10 s.
    assertThat(admitted).isEqualTo(30);
  }

  @Test
  void ratioBudgetDepositsExpireAfterTheTtl() {
    RetryBudget budget = RetryBudget.ratio().percentCanRetry(0.5).minRetriesPerSecond(0).ttl(Duration.ofSeconds(10)).clock(clock).build();
    for (int i = 0; i < 10; i++) {
      budget.admitRequest();
    }
    assertThat(budget.state().level()).isEqualTo(5.0);
    clock.advance(Duration.ofSeconds(11));
    assertThat(budget.admit(2)).isFalse();
  }

  @Test
  void ratioBudgetLetsAQuietClientRetryThroughItsReserve() {
    RetryBudget budget = RetryBudget.ratio().percentCanRetry(0.2).minRetriesPerSecond(10).ttl(Duration.ofSeconds(1)).clock(clock).build();
    int admitted = 0;
    for (int i = 0; i < 50; i++) {
      admitted += budget.admit(2) ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(10);
  }

  @Test
  void adaptiveThrottleRejectsInProportionToMissingAccepts() {
    RetryBudget throttle = RetryBudget.adaptiveThrottle().k(2).window(Duration.ofSeconds(10)).clock(clock).random(new SplittableRandom(1)).build();
    // Healthy backend: every request accepted, nothing rejected.
    for (int i = 0; i < 1_000; i++) {
      assertThat(throttle.admitRequest()).isTrue();
      throttle.record(Verdict.SUCCESS);
    }
    clock.advance(Duration.ofSeconds(11));
    // Backend rejecting everything: the local rejection probability climbs towards 1.
    int sent = 0;
    for (int i = 0; i < 1_000; i++) {
      if (throttle.admitRequest()) {
        sent++;
        throttle.record(Verdict.RETRYABLE);
      }
    }
    assertThat(sent).isLessThan(100);
    assertThat(throttle.state().level()).isGreaterThan(0.99);
    // Once the window ages out, the client probes again.
    clock.advance(Duration.ofSeconds(11));
    assertThat(throttle.state().level()).isZero();
  }

  @Test
  void aFreshAdaptiveThrottleDoesNotRejectRequestsStillInFlight() {
    // Requests sent but not yet answered are neither rejected nor accepted: no throttling at start.
    RetryBudget throttle = RetryBudget.adaptiveThrottle().k(2).clock(clock).random(new SplittableRandom(1)).build();
    for (int i = 0; i < 1_000; i++) {
      assertThat(throttle.admitRequest()).isTrue();
    }
    assertThat(throttle.state().level()).isZero();
  }

  @Test
  void adaptiveThrottleSendsAboutKTimesWhatAnOverloadedBackendAccepts() {
    // The client wants 100 requests per 10 ms tick; the backend can serve 25 of them per tick.
    RetryBudget throttle = RetryBudget.adaptiveThrottle().k(2).clock(clock).random(new SplittableRandom(3)).build();
    long sent = 0;
    long accepted = 0;
    for (int tick = 0; tick < 4_000; tick++) {
      int servedThisTick = 0;
      for (int i = 0; i < 100; i++) {
        if (throttle.admitRequest()) {
          boolean accept = servedThisTick < 25;
          servedThisTick += accept ? 1 : 0;
          throttle.record(accept ? Verdict.SUCCESS : Verdict.RETRYABLE);
          if (tick >= 2_000) { // measure after the 10 s window has filled
            sent++;
            accepted += accept ? 1 : 0;
          }
        }
      }
      clock.advance(Duration.ofMillis(10));
    }
    // SRE book: with K = 2 the backend rejects about one request for each one it serves.
    assertThat((double) sent / accepted).isBetween(1.8, 2.2);
  }

  @Test
  void denialsArePublishedWithTheBudgetsState() {
    List<BudgetExhaustedEvent> events = new ArrayList<>();
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(2).onDenied(events::add).onDenied(e -> {
      throw new IllegalStateException("a broken listener changes nothing");
    }).build();
    budget.record(Verdict.RETRYABLE);
    assertThat(budget.admit(3)).isFalse();
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.attempt()).isEqualTo(3);
      assertThat(e.state().level()).isEqualTo(1.0);
      assertThat(e.state().kind()).contains("TokenBucket(maxTokens=2");
    });
  }

  @Test
  void aDeniedRetryGivesUpWithTheDenialAttached() {
    RetryBudget budget = RetryBudget.tokenBucket().maxTokens(2).tokenRatio(0.1).build();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).backoff(Backoff.none()).admission(budget).build(), clock, clock);
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          throw new IOException("down");
        }))
        .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
          assertThat(e.reason()).isEqualTo(GiveUpReason.ADMISSION_DENIED);
          assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOfSatisfying(BudgetExhaustedException.class,
              b -> assertThat(b.state().level()).isEqualTo(1.0)));
        });
    // 2 tokens: the first failure leaves 1, which is not above half: one attempt only.
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aThrottledFirstAttemptFailsWithBudgetExhaustedOnBothPaths() {
    RetryBudget throttle = RetryBudget.adaptiveThrottle().k(1).clock(clock).random(new SplittableRandom(1)).build();
    for (int i = 0; i < 10_000; i++) {
      if (throttle.admitRequest()) {
        throttle.record(Verdict.RETRYABLE); // the backend rejects everything
      }
    }
    Retry retry = Retry.of(RetryPolicy.builder().admission(throttle).build(), clock, clock);
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> retry.execute(() -> attempts.incrementAndGet())).isInstanceOf(BudgetExhaustedException.class);
    CompletableFuture<Integer> async = retry.executeAsync(() -> CompletableFuture.completedFuture(attempts.incrementAndGet()));
    assertThat(async).isCompletedExceptionally();
    assertThat(attempts).hasValue(0);
  }

  @Test
  void rejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> RetryBudget.tokenBucket().maxTokens(0)).hasMessage("maxTokens must be in (0, 1000]: 0");
    assertThatThrownBy(() -> RetryBudget.tokenBucket().maxTokens(1001)).hasMessage("maxTokens must be in (0, 1000]: 1001");
    assertThatThrownBy(() -> RetryBudget.tokenBucket().tokenRatio(Double.NaN)).hasMessage("tokenRatio must be finite and > 0: NaN");
    assertThatThrownBy(() -> RetryBudget.ratio().percentCanRetry(-0.1)).hasMessage("percentCanRetry must be in [0, 1000]: -0.1");
    assertThatThrownBy(() -> RetryBudget.ratio().ttl(Duration.ofMillis(10))).hasMessage("ttl must be in [1s, 60s]: PT0.01S");
    assertThatThrownBy(() -> RetryBudget.adaptiveThrottle().k(0.5)).hasMessage("k must be finite and >= 1: 0.5");
  }
}
