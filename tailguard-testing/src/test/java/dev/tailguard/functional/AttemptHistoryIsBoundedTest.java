package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tailguard.AttemptRecord;
import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 10: a call allowed a huge number of attempts (no backoff) keeps the first and the
 * last ten attempts and a count of the rest, and no more suppressed exceptions than that.
 */
class AttemptHistoryIsBoundedTest {
  private static final int ATTEMPTS = 10_000;
  private final FakeClock clock = new FakeClock();
  private final Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(ATTEMPTS).backoff(Backoff.none()).build(), clock, clock);

  @Test
  void tenThousandFailedAttemptsKeepTwentyRecordsAndCountTheRest() {
    AtomicInteger calls = new AtomicInteger();
    RetriesExhaustedException failure = catchThrowableOfType(() -> retry.execute(() -> {
      throw new IOException("reset " + calls.incrementAndGet());
    }), RetriesExhaustedException.class);

    assertBounded(failure);
    assertThat(calls).hasValue(ATTEMPTS);
  }

  @Test
  void theAsyncEngineKeepsTheSameBoundedHistory() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> call = retry.executeAsync(
        () -> CompletableFuture.failedFuture(new IOException("reset " + calls.incrementAndGet())));
    clock.runUntilIdle();
    ExecutionException failed = catchThrowableOfType(call::get, ExecutionException.class);

    assertThat(failed.getCause()).isInstanceOf(RetriesExhaustedException.class);
    assertBounded((RetriesExhaustedException) failed.getCause());
    clock.assertNoPendingTasks();
  }

  private static void assertBounded(RetriesExhaustedException failure) {
    assertThat(failure.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
    assertThat(failure.attempts()).extracting(AttemptRecord::attempt)
        .containsExactlyElementsOf(IntStream.concat(IntStream.rangeClosed(1, 10), IntStream.rangeClosed(ATTEMPTS - 9, ATTEMPTS)).boxed().toList());
    assertThat(failure.omittedAttempts()).isEqualTo(ATTEMPTS - 20);
    assertThat(failure.attemptCount()).isEqualTo(ATTEMPTS);
    assertThat(failure.getCause()).hasMessage("reset " + ATTEMPTS);
    // The kept attempts' errors only (the last is the cause): 19, not 9,999.
    assertThat(failure.getSuppressed()).hasSize(19);
    assertThat(failure.getSuppressed()[10]).hasMessage("reset " + (ATTEMPTS - 9));
    assertThat(failure.getMessage()).startsWith("gave up after 10000 attempts (MAX_ATTEMPTS)")
        .contains("... 9980 attempts not kept ...");
  }

  @Test
  void aShortHistoryIsKeptWhole() {
    Retry twenty = Retry.of(RetryPolicy.builder().maxAttempts(20).backoff(Backoff.none()).build(), clock, clock);
    RetriesExhaustedException failure = catchThrowableOfType(() -> twenty.execute(() -> {
      throw new IOException("reset");
    }), RetriesExhaustedException.class);
    assertThat(failure.attempts()).hasSize(20);
    assertThat(failure.omittedAttempts()).isZero();
    assertThat(failure.getMessage()).doesNotContain("not kept");
  }
}
