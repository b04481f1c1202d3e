package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link ResetBudget}: a token bucket of HTTP/2 stream resets, {@code perSecond} a second, holding
 * half of that (at least one); a forced reset takes a token it may not have, down to one bucket of
 * debt. Time is a {@link FakeClock} started an hour in.
 */
class ResetBudgetTest {
  private final FakeClock clock = new FakeClock(Duration.ofHours(1).toNanos());

  private static Duration untilToken(ResetBudget budget) {
    return Duration.ofNanos(budget.nanosUntilToken());
  }

  @Test
  void startsWithHalfASecondsResets_thenRefillsAtTheRate() {
    ResetBudget budget = new ResetBudget(10, clock);
    assertThat(budget.perSecond()).isEqualTo(10);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.tryAcquire()).as("token %s of the burst of five", i).isTrue();
    }
    assertThat(budget.tryAcquire()).isFalse();
    assertThat(untilToken(budget)).isEqualTo(Duration.ofMillis(100));

    clock.advance(Duration.ofMillis(40));
    assertThat(untilToken(budget)).as("refilled for 40 ms: 0.4 of a token").isEqualTo(Duration.ofMillis(60));
    clock.advance(Duration.ofMillis(60));
    assertThat(budget.tryAcquire()).as("one token after 100 ms").isTrue();
    assertThat(budget.tryAcquire()).as("and only one").isFalse();

    clock.advance(Duration.ofSeconds(10));
    for (int i = 0; i < 5; i++) {
      assertThat(budget.tryAcquire()).isTrue();
    }
    assertThat(budget.tryAcquire()).as("a long pause refills no more than the bucket").isFalse();
  }

  @Test
  void forcedResetsRunIntoDebt_boundedByOneBucket() {
    ResetBudget budget = new ResetBudget(2, clock);

    budget.acquireForced();
    assertThat(untilToken(budget)).isEqualTo(Duration.ofMillis(500));
    budget.acquireForced();
    assertThat(untilToken(budget)).as("one token of debt: two to earn").isEqualTo(Duration.ofSeconds(1));
    budget.acquireForced();
    assertThat(untilToken(budget)).as("the debt stops at one bucket").isEqualTo(Duration.ofSeconds(1));
    assertThat(budget.tryAcquire()).isFalse();
  }

  @Test
  void aForcedResetAfterAPauseCountsTheRefillCappedAtTheBucketFirst() {
    ResetBudget budget = new ResetBudget(2, clock);
    clock.advance(Duration.ofSeconds(1));

    budget.acquireForced();

    assertThat(untilToken(budget)).as("the full bucket of one, less the forced reset").isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void withARateOfZeroNoTokenEverComes_butAForcedResetIsStillCounted() {
    ResetBudget budget = new ResetBudget(0, clock);

    assertThat(budget.tryAcquire()).isFalse();
    assertThat(budget.nanosUntilToken()).isEqualTo(Long.MAX_VALUE);
    clock.advance(Duration.ofHours(1));
    assertThat(budget.tryAcquire()).isFalse();
    budget.acquireForced();
    assertThat(budget.tryAcquire()).isFalse();
  }
}
