package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import dev.tailguard.time.Clock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SyncInterruptTest {
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
    clock.assertNoPendingTasks();
  }

  @Test
  void anInterruptDuringBackoffStopsAtOnceAndRestoresTheFlag() {
    // A clock whose sleep is interrupted, as Thread.sleep is when another thread interrupts us.
    AtomicInteger attempts = new AtomicInteger();
    Clock interruptedSleep = new Clock() {
      @Override
      public long nanoTime() {
        return clock.nanoTime();
      }

      @Override
      public void sleep(Duration duration) throws InterruptedException {
        throw new InterruptedException("interrupted in backoff");
      }
    };
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).build(), interruptedSleep, clock);

    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          throw new IOException("down");
        }))
        .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
          assertThat(e.reason()).isEqualTo(GiveUpReason.INTERRUPTED);
          assertThat(e.getCause()).isInstanceOf(IOException.class);
          assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s).isInstanceOf(InterruptedException.class));
        });
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
    assertThat(attempts).hasValue(1);
  }

  @Test
  void anInterruptSwallowedByTheAttemptStillStopsTheLoop_feign624() {
    // The attempt catches the interrupt, re-asserts it and returns a failure: no retry flood.
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).backoff(Backoff.none()).build(), clock, clock);
    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          Thread.currentThread().interrupt();
          throw new IOException("interrupted read");
        }))
        .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> assertThat(e.reason()).isEqualTo(GiveUpReason.INTERRUPTED));
    assertThat(attempts).hasValue(1);
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }

  @Test
  void anInterruptForATimeoutThatLostTheRaceNeverLeaksToTheCaller() throws Exception {
    Retry retry = Retry.of(RetryPolicy.builder().perAttemptTimeout(Duration.ofMillis(50)).interruptOnTimeout(true).build(), clock, clock);
    String result = retry.execute(() -> {
      clock.sleep(Duration.ofMillis(49));
      return "in time";
    });
    assertThat(result).isEqualTo("in time");
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void withoutInterruptionALateAttemptStillCountsAsTimedOutAndItsResultIsDiscarded() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    StringBuilder discarded = new StringBuilder();
    Retry retry = Retry.of(
        RetryPolicy.builder().backoff(Backoff.fixed(Duration.ofMillis(1))).perAttemptTimeout(Duration.ofMillis(50)).build(), clock, clock);
    String result = retry.execute(() -> {
      int attempt = attempts.incrementAndGet();
      clock.sleep(Duration.ofMillis(attempt == 1 ? 80 : 10));
      return "attempt " + attempt;
    }, OutcomeHandler.<String>builder().onDiscard(discarded::append).build());
    assertThat(result).isEqualTo("attempt 2");
    assertThat(discarded.toString()).isEqualTo("attempt 1");
  }

  @Test
  void anInterruptedExceptionFromTheAttemptIsNotRetried() {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).build(), clock, clock);
    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          throw new InterruptedException("caller cancelled");
        }))
        .isInstanceOf(InterruptedException.class);
    assertThat(attempts).hasValue(1);
  }

  @Test
  void anInterruptedCallerStopsEvenWhenTheClassifierRetriesInterruptedException() {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).backoff(Backoff.fixed(Duration.ZERO)).build(), clock, clock);
    OutcomeHandler<String> retryEverything = OutcomeHandler.of((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS);
    InterruptedException interrupted = new InterruptedException("caller interrupted");
    assertThatThrownBy(() -> retry.execute(() -> {
          if (attempts.incrementAndGet() == 1) {
            throw interrupted;
          }
          return "second attempt";
        }, retryEverything))
        .isSameAs(interrupted);
    assertThat(attempts).hasValue(1);
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }

  @Test
  void anInterruptedCallerStopsOnTheTimedPathToo() {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).deadline(Duration.ofSeconds(5)).backoff(Backoff.fixed(Duration.ZERO)).build(), clock, clock);
    OutcomeHandler<String> retryEverything = OutcomeHandler.of((result, error) -> error != null ? Verdict.RETRYABLE : Verdict.SUCCESS);
    assertThatThrownBy(() -> retry.execute(() -> {
          if (attempts.incrementAndGet() == 1) {
            throw new InterruptedException("caller interrupted");
          }
          return "second attempt";
        }, retryEverything))
        .isInstanceOf(InterruptedException.class);
    assertThat(attempts).hasValue(1);
    assertThat(Thread.interrupted()).isTrue();
  }
  @Test
  void aClassifierThrowingOnAnInterruptedExceptionStillLeavesTheCallerInterrupted() {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).backoff(Backoff.fixed(Duration.ZERO)).build(), clock, clock);
    IllegalStateException classifierBug = new IllegalStateException("classifier bug");
    OutcomeHandler<String> throwingClassifier = OutcomeHandler.of((result, error) -> {
      throw classifierBug;
    });
    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          throw new InterruptedException("caller interrupted");
        }, throwingClassifier))
        .isSameAs(classifierBug);
    assertThat(attempts).hasValue(1);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void aClassifierThrowingOnAnInterruptedExceptionStillLeavesTheCallerInterruptedOnTheTimedPath() {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(5).deadline(Duration.ofSeconds(5)).backoff(Backoff.fixed(Duration.ZERO)).build(), clock, clock);
    IllegalStateException classifierBug = new IllegalStateException("classifier bug");
    OutcomeHandler<String> throwingClassifier = OutcomeHandler.of((result, error) -> {
      throw classifierBug;
    });
    assertThatThrownBy(() -> retry.execute(() -> {
          attempts.incrementAndGet();
          throw new InterruptedException("caller interrupted");
        }, throwingClassifier))
        .isSameAs(classifierBug);
    assertThat(attempts).hasValue(1);
    assertThat(Thread.interrupted()).isTrue();
  }
}
