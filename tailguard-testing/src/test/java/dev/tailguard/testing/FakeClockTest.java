package dev.tailguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.time.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FakeClockTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> ran = new ArrayList<>();

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void nothingRunsInsideScheduleAndDueTasksRunInOrderAtTheirOwnTime() {
    clock.schedule(() -> ran.add("b@" + clock.nanoTime()), Duration.ofNanos(20));
    clock.schedule(() -> ran.add("a@" + clock.nanoTime()), Duration.ofNanos(10));
    clock.schedule(() -> ran.add("c@" + clock.nanoTime()), Duration.ofNanos(20));
    assertThat(ran).isEmpty();
    clock.advance(Duration.ofNanos(19));
    assertThat(ran).containsExactly("a@10");
    clock.advance(Duration.ofNanos(1));
    assertThat(ran).containsExactly("a@10", "b@20", "c@20");
    assertThat(clock.nanoTime()).isEqualTo(20);
  }

  @Test
  void tasksScheduledByTasksRunInTheSameAdvanceWhenDue() {
    clock.schedule(() -> clock.schedule(() -> ran.add("inner@" + clock.nanoTime()), Duration.ofNanos(5)), Duration.ofNanos(5));
    clock.advance(Duration.ofNanos(10));
    assertThat(ran).containsExactly("inner@10");
  }

  @Test
  void cancelledTasksNeverRunAndAreNotPending() {
    Cancellable handle = clock.schedule(() -> ran.add("x"), Duration.ofSeconds(1));
    assertThat(clock.pendingTasks()).isEqualTo(1);
    assertThat(handle.cancel()).isTrue();
    assertThat(handle.cancel()).isFalse();
    assertThat(clock.pendingTasks()).isZero();
    clock.advance(Duration.ofSeconds(2));
    assertThat(ran).isEmpty();
    clock.assertNoPendingTasks();
  }

  @Test
  void assertNoPendingTasksNamesWhatLeaked() {
    clock.schedule(() -> {}, Duration.ofMillis(5));
    assertThatThrownBy(clock::assertNoPendingTasks).isInstanceOf(AssertionError.class).hasMessageContaining("1 task(s) still scheduled").hasMessageContaining("due in PT0.005S");
  }

  @Test
  void sleepAdvancesTimeAndRunsDueTasks() throws InterruptedException {
    clock.schedule(() -> ran.add("timer"), Duration.ofMillis(5));
    clock.sleep(Duration.ofMillis(10));
    assertThat(ran).containsExactly("timer");
    assertThat(clock.nanoTime()).isEqualTo(Duration.ofMillis(10).toNanos());
  }

  @Test
  void sleepStopsAtTheTaskThatInterruptsTheSleeper() {
    Thread sleeper = Thread.currentThread();
    clock.schedule(sleeper::interrupt, Duration.ofMillis(30));
    assertThatThrownBy(() -> clock.sleep(Duration.ofMillis(50))).isInstanceOf(InterruptedException.class);
    assertThat(clock.nanoTime()).isEqualTo(Duration.ofMillis(30).toNanos());
    assertThat(Thread.currentThread().isInterrupted()).as("cleared, as Thread.sleep does").isFalse();
  }

  @Test
  void sleepingWhileInterruptedThrowsAtOnce() {
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> clock.sleep(Duration.ofMillis(1))).isInstanceOf(InterruptedException.class);
    assertThat(clock.nanoTime()).isZero();
  }

  @Test
  void runNextJumpsToTheEarliestTask() {
    clock.schedule(() -> ran.add("late"), Duration.ofSeconds(9));
    clock.schedule(() -> ran.add("early"), Duration.ofSeconds(3));
    assertThat(clock.nextTaskDelay()).contains(Duration.ofSeconds(3));
    assertThat(clock.runNext()).isTrue();
    assertThat(ran).containsExactly("early");
    assertThat(clock.nanoTime()).isEqualTo(Duration.ofSeconds(3).toNanos());
    assertThat(clock.runUntilIdle()).isEqualTo(1);
    assertThat(clock.runNext()).isFalse();
  }

  @Test
  void hugeDelaysSaturateInsteadOfOverflowing() {
    FakeClock late = new FakeClock(Long.MAX_VALUE - 10);
    late.schedule(() -> ran.add("never"), Duration.ofSeconds(Long.MAX_VALUE));
    late.advance(Duration.ofDays(1));
    assertThat(late.nanoTime()).isEqualTo(Long.MAX_VALUE);
    assertThat(late.pendingTasks()).isZero();
    assertThat(ran).containsExactly("never");
  }

  @Test
  void negativeAdvanceIsRejected() {
    assertThatThrownBy(() -> clock.advance(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must be >= 0: PT-0.001S");
  }
}
