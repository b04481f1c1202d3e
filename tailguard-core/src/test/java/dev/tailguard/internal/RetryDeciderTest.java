package dev.tailguard.internal;

import static dev.tailguard.internal.RetryDecider.NO_HINT;
import static dev.tailguard.internal.RetryDecider.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.Jitter;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.internal.RetryDecision.Action;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The decision is pure: these tests need no clock, no threads and no scheduler. */
class RetryDeciderTest {
  private static final long MS = 1_000_000L;
  private static final RetryPolicy FIXED_10MS =
      RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build();

  private static RetryDecision decide(RetryPolicy policy, Verdict verdict, int attempt, long elapsed, long hint) {
    return RetryDecider.decide(policy, verdict, false, attempt, elapsed, hint, attempt - 1, 0, new SplittableRandom(1));
  }

  @Test
  void successAndNonRetryableEndTheCall() {
    assertThat(decide(FIXED_10MS, Verdict.SUCCESS, 1, 0, NO_HINT).action()).isEqualTo(Action.SUCCEED);
    assertThat(decide(FIXED_10MS, Verdict.NON_RETRYABLE, 1, 0, NO_HINT).action()).isEqualTo(Action.FAIL);
  }

  @Test
  void errorsAreNeverRetriedWhateverTheClassifierSays() {
    RetryDecision decision =
        RetryDecider.decide(FIXED_10MS, Verdict.RETRYABLE, true, 1, 0, NO_HINT, 0, 0, new SplittableRandom(1));
    assertThat(decision.action()).isEqualTo(Action.FAIL);
  }

  @Test
  void retriesWithTheBackoffUntilMaxAttemptsCountingTheFirst() {
    RetryDecision first = decide(FIXED_10MS, Verdict.RETRYABLE, 1, UNKNOWN, NO_HINT);
    assertThat(first.action()).isEqualTo(Action.RETRY);
    assertThat(first.delayNanos()).isEqualTo(10 * MS);
    assertThat(first.nextBackoffIndex()).isEqualTo(1);
    assertThat(decide(FIXED_10MS, Verdict.RETRYABLE, 2, UNKNOWN, NO_HINT).action()).isEqualTo(Action.RETRY);
    RetryDecision third = decide(FIXED_10MS, Verdict.RETRYABLE, 3, UNKNOWN, NO_HINT);
    assertThat(third.action()).isEqualTo(Action.GIVE_UP);
    assertThat(third.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
  }

  @Test
  void maxAttemptsOfOneNeverRetries() {
    RetryPolicy once = FIXED_10MS.toBuilder().maxAttempts(1).build();
    assertThat(decide(once, Verdict.RETRYABLE, 1, 0, NO_HINT).reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
  }

  @Test
  void aRetryWhoseBackoffWouldOverrunTheDeadlineIsNotStarted() {
    RetryPolicy policy = FIXED_10MS.toBuilder().deadline(Duration.ofMillis(100)).build();
    assertThat(decide(policy, Verdict.RETRYABLE, 1, 89 * MS, NO_HINT).action()).isEqualTo(Action.RETRY);
    RetryDecision late = decide(policy, Verdict.RETRYABLE, 1, 90 * MS, NO_HINT);
    assertThat(late.action()).isEqualTo(Action.GIVE_UP);
    assertThat(late.reason()).isEqualTo(GiveUpReason.DEADLINE);
  }

  @Test
  void aServerHintReplacesTheBackoffExactlyAndRestartsTheSchedule() {
    RetryPolicy jittered =
        FIXED_10MS.toBuilder()
            .backoff(Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10)).withJitter(Jitter.full()))
            .build();
    RetryDecision decision =
        RetryDecider.decide(jittered, Verdict.RETRYABLE, false, 2, 0, 1_500 * MS, 1, 80 * MS, new SplittableRandom(1));
    assertThat(decision.action()).isEqualTo(Action.RETRY);
    assertThat(decision.delayNanos()).isEqualTo(1_500 * MS);
    assertThat(decision.serverHinted()).isTrue();
    assertThat(decision.nextBackoffIndex()).isZero();
  }

  @Test
  void aServerHintIsCappedByMaxServerDelay() {
    RetryPolicy policy = FIXED_10MS.toBuilder().maxServerDelay(Duration.ofSeconds(10)).build();
    RetryDecision decision = decide(policy, Verdict.RETRYABLE, 1, 0, Duration.ofHours(1).toNanos());
    assertThat(decision.delayNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
  }

  @Test
  void aNegativeServerHintMeansDoNotRetry() {
    RetryDecision decision = decide(FIXED_10MS, Verdict.RETRYABLE, 1, 0, -1);
    assertThat(decision.action()).isEqualTo(Action.GIVE_UP);
    assertThat(decision.reason()).isEqualTo(GiveUpReason.SERVER_REFUSED);
  }

  @Test
  void aServerHintBeyondTheDeadlineGivesUpAtOnce() {
    RetryPolicy policy = FIXED_10MS.toBuilder().deadline(Duration.ofSeconds(10)).build();
    RetryDecision decision = decide(policy, Verdict.RETRYABLE, 1, 0, Duration.ofSeconds(30).toNanos());
    assertThat(decision.reason()).isEqualTo(GiveUpReason.DEADLINE);
  }

  @Test
  void decorrelatedJitterReceivesThePreviousDelay() {
    RetryPolicy policy =
        FIXED_10MS.toBuilder()
            .maxAttempts(10)
            .backoff(Backoff.exponential(Duration.ofMillis(5), Duration.ofSeconds(2)).withJitter(Jitter.decorrelated()))
            .build();
    SplittableRandom random = new SplittableRandom(3);
    long previous = 0;
    for (int attempt = 1; attempt < 10; attempt++) {
      RetryDecision d = RetryDecider.decide(policy, Verdict.RETRYABLE, false, attempt, 0, NO_HINT, attempt - 1, previous, random);
      assertThat(d.delayNanos()).isBetween(5 * MS, Math.min(2_000 * MS, 3 * Math.max(5 * MS, previous)));
      assertThat(d.nextPreviousDelayNanos()).isEqualTo(d.delayNanos());
      previous = d.delayNanos();
    }
  }
}
