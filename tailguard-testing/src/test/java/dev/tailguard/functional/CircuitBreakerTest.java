package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.CircuitState;
import dev.tailguard.event.CircuitStateEvent;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> transitions = new ArrayList<>();

  private CircuitBreakerConfig.Builder config() {
    return CircuitBreakerConfig.builder("backend")
        .minimumCalls(10)
        .countWindow(10)
        .openDuration(Duration.ofSeconds(5))
        .halfOpen(2, 2, Duration.ofSeconds(3))
        .onStateChange(e -> transitions.add(e.from() + "->" + e.to()));
  }

  private static void calls(CircuitBreaker breaker, int successes, int failures) {
    for (int i = 0; i < successes; i++) {
      breaker.tryAcquire().onSuccess();
    }
    for (int i = 0; i < failures; i++) {
      breaker.tryAcquire().onFailure();
    }
  }

  @Test
  void opensAtTheFailureRateOnlyOnceTheMinimumIsReached() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    calls(breaker, 0, 9);
    assertThat(breaker.state()).as("9 calls < minimum 10").isEqualTo(CircuitState.CLOSED);
    calls(breaker, 1, 0);
    assertThat(breaker.state()).as("the success completes the minimum: 9/10 failed").isEqualTo(CircuitState.OPEN);
    assertThat(breaker.tryAcquire()).isNull();
    assertThat(transitions).containsExactly("CLOSED->OPEN");
  }

  @Test
  void theCountWindowForgetsOldCalls() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    calls(breaker, 6, 4);
    assertThat(breaker.failureRate()).isEqualTo(0.4);
    calls(breaker, 4, 0); // pushes 4 of the old successes out: 6 ok (2 old + 4 new), 4 failed
    assertThat(breaker.failureRate()).isEqualTo(0.4);
    calls(breaker, 6, 0); // the 4 failures leave too
    assertThat(breaker.failureRate()).isZero();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  /** A healthy window skips its writes; a failure must still stay for exactly the last N calls. */
  @Test
  void aFailureAfterALongHealthyStretchStaysForExactlyTheWindow() {
    CircuitBreaker breaker = CircuitBreaker.of(config().failureRateThreshold(0.5).build(), clock);
    calls(breaker, 1_000, 1);
    assertThat(breaker.failureRate()).isEqualTo(0.1);
    calls(breaker, 9, 0);
    assertThat(breaker.failureRate()).as("the failure and the 9 calls after it").isEqualTo(0.1);
    calls(breaker, 1, 0);
    assertThat(breaker.failureRate()).as("the 10th call after it pushes it out").isZero();
    calls(breaker, 7, 4);
    assertThat(breaker.failureRate()).isEqualTo(0.4);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    calls(breaker, 0, 1);
    assertThat(breaker.state()).as("5 of the last 10 failed").isEqualTo(CircuitState.OPEN);
  }

  @Test
  void theTimeWindowRollsWithTheClock() {
    CircuitBreaker breaker = CircuitBreaker.of(config().timeWindow(Duration.ofSeconds(10), 10).build(), clock);
    calls(breaker, 6, 4);
    clock.advance(Duration.ofSeconds(11));
    calls(breaker, 10, 0);
    assertThat(breaker.failureRate()).as("the failures aged out").isZero();
    calls(breaker, 0, 10);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void slowCallsOpenItWhateverTheirOutcome() {
    CircuitBreaker breaker = CircuitBreaker.of(config().slowCall(Duration.ofMillis(100), 0.5).build(), clock);
    for (int i = 0; i < 10; i++) {
      CircuitBreaker.Permit permit = breaker.tryAcquire();
      clock.advance(Duration.ofMillis(i < 5 ? 150 : 10));
      permit.onSuccess();
    }
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void withoutSlowCallTrackingTheClockIsNotRead() {
    AtomicInteger reads = new AtomicInteger();
    Clock counting = new Clock() {
      @Override
      public long nanoTime() {
        reads.incrementAndGet();
        return clock.nanoTime();
      }

      @Override
      public void sleep(Duration duration) {}
    };
    CircuitBreaker breaker = CircuitBreaker.of(config().countWindow(100).build(), counting);
    calls(breaker, 1_000, 0);
    assertThat(reads).hasValue(0);
  }

  @Test
  void aFailureCountThresholdOpensBelowTheRate() {
    CircuitBreaker breaker = CircuitBreaker.of(config().countWindow(100).failureCountThreshold(5).build(), clock);
    calls(breaker, 50, 5);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void halfOpenAdmitsExactlyItsTrialsThenClosesOnSuccesses() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    calls(breaker, 0, 10);
    clock.advance(Duration.ofMillis(4_999));
    assertThat(breaker.tryAcquire()).as("still open").isNull();
    clock.advance(Duration.ofMillis(1));
    CircuitBreaker.Permit first = breaker.tryAcquire();
    CircuitBreaker.Permit second = breaker.tryAcquire();
    assertThat(first).isNotNull();
    assertThat(second).isNotNull();
    assertThat(breaker.tryAcquire()).as("only 2 trials").isNull();
    first.onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    second.onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(breaker.failureRate()).as("a fresh window").isNaN();
    assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
  }

  @Test
  void aFailedTrialReopensForLongerWithAnOpenBackoff() {
    CircuitBreaker breaker = CircuitBreaker.of(
        config().openBackoff(Backoff.exponential(Duration.ofSeconds(5), Duration.ofMinutes(1))).build(), clock);
    calls(breaker, 0, 10);
    clock.advance(Duration.ofSeconds(5));
    breaker.tryAcquire().onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    clock.advance(Duration.ofMillis(9_999));
    assertThat(breaker.tryAcquire()).as("the second opening lasts 10 s").isNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(breaker.tryAcquire()).isNotNull();
  }

  @Test
  void aProbeThatNeverReportsGetsItsPermitBack_sentinel1638() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    calls(breaker, 0, 10);
    clock.advance(Duration.ofSeconds(5));
    CircuitBreaker.Permit hung1 = breaker.tryAcquire();
    CircuitBreaker.Permit hung2 = breaker.tryAcquire();
    assertThat(breaker.tryAcquire()).isNull();
    clock.advance(Duration.ofSeconds(3));
    CircuitBreaker.Permit fresh = breaker.tryAcquire();
    assertThat(fresh).as("reclaimed after maxWaitInHalfOpen").isNotNull();
    hung1.onFailure(); // too late: its slot was reclaimed, so it cannot reopen the breaker
    hung2.onFailure();
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    fresh.onSuccess();
    breaker.tryAcquire().onSuccess();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void cancelledCallsNeitherCountNorTrip_resilience4j682() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    for (int i = 0; i < 100; i++) {
      breaker.tryAcquire().release();
    }
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(breaker.failureRate()).isNaN();
    calls(breaker, 0, 10);
    clock.advance(Duration.ofSeconds(5));
    breaker.tryAcquire().release(); // a hedge loser in half-open gives its trial back
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(breaker.tryAcquire()).isNotNull();
    assertThat(breaker.tryAcquire()).isNotNull();
  }

  @Test
  void aThrowingListenerDoesNotWedgeTheState() {
    CircuitBreaker breaker = CircuitBreaker.of(config().onStateChange(e -> {
      throw new IllegalStateException("listener bug");
    }).build(), clock);
    calls(breaker, 0, 10);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    clock.advance(Duration.ofSeconds(5));
    calls(breaker, 2, 0);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void manualTransitionsAreIdempotent_resilience4j891() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    breaker.transitionToOpen();
    breaker.transitionToOpen();
    assertThat(transitions).containsExactly("CLOSED->OPEN");
    breaker.transitionToForcedOpen();
    clock.advance(Duration.ofHours(1));
    assertThat(breaker.tryAcquire()).as("forced open ignores time").isNull();
    breaker.transitionToDisabled();
    calls(breaker, 0, 100);
    assertThat(breaker.state()).isEqualTo(CircuitState.DISABLED);
    breaker.transitionToClosed();
    breaker.transitionToClosed();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->FORCED_OPEN", "FORCED_OPEN->DISABLED", "DISABLED->CLOSED");
  }

  @Test
  void aLateAnswerFromAnEarlierEpisodeIsIgnored() {
    CircuitBreaker breaker = CircuitBreaker.of(config().build(), clock);
    CircuitBreaker.Permit old = breaker.tryAcquire();
    breaker.transitionToOpen();
    breaker.transitionToClosed();
    old.onFailure();
    assertThat(breaker.failureRate()).isNaN();
  }

  @Test
  void theAdaptiveModeRejectsProbabilisticallyAndStaysClosed() {
    CircuitBreaker breaker = CircuitBreaker.of(config().adaptive(1.5).build(), clock);
    int rejected = 0;
    for (int i = 0; i < 1_000; i++) {
      CircuitBreaker.Permit permit = breaker.tryAcquire();
      if (permit == null) {
        rejected++;
      } else {
        permit.onFailure();
      }
    }
    assertThat(rejected).isGreaterThan(900);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void rejectsContradictorySettingsNamingThem() {
    assertThatThrownBy(() -> CircuitBreakerConfig.builder("x").countWindow(5).minimumCalls(10).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("minimumCalls (10) must be <= windowSize (5)");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder("x").halfOpen(2, 3, Duration.ofSeconds(1)).build())
        .hasMessage("successesToClose (3) must be <= permittedCallsInHalfOpen (2)");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder("x").countWindow(0)).hasMessage("windowSize must be in [1, 1000000]: 0");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder("x").failureRateThreshold(0)).hasMessage("failureRateThreshold must be in (0, 1]: 0.0");
  }

  @Test
  void aWindowOfOneWorks_resilience4j2379() {
    CircuitBreaker breaker = CircuitBreaker.of(config().countWindow(1).minimumCalls(1).build(), clock);
    calls(breaker, 1, 0);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    calls(breaker, 0, 1);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void eachTransitionIsReportedOnceEvenUnderRacingFailures() throws Exception {
    List<CircuitStateEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int round = 0; round < 200; round++) {
      events.clear();
      CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("race").countWindow(50).minimumCalls(10).onStateChange(events::add).build(), clock);
      Thread[] threads = new Thread[4];
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads.length);
      for (int t = 0; t < threads.length; t++) {
        threads[t] = new Thread(() -> {
          try {
            start.await();
            for (int i = 0; i < 50; i++) {
              CircuitBreaker.Permit permit = breaker.tryAcquire();
              if (permit != null) {
                permit.onFailure();
              }
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        threads[t].start();
      }
      for (Thread thread : threads) {
        thread.join(10_000);
      }
      assertThat(events).extracting(CircuitStateEvent::to).containsExactly(CircuitState.OPEN);
    }
  }
}
