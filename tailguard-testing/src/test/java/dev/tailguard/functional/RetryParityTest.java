package dev.tailguard.functional;

import static dev.tailguard.functional.ScriptedCall.Step.fail;
import static dev.tailguard.functional.ScriptedCall.Step.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.Backoff;
import dev.tailguard.GiveUpReason;
import dev.tailguard.Jitter;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every scenario runs through {@code execute} and {@code executeAsync} and must give the same
 * attempts, the same virtual timings, the same events and the same outcome (Failsafe's harness
 * idea). A difference means the two loops stopped sharing one brain.
 */
class RetryParityTest {
  private static final Backoff FIXED_10MS = Backoff.fixed(Duration.ofMillis(10));

  /** Everything observable about one run. */
  static final class Observed {
    final List<String> events = new ArrayList<>();
    final List<Long> attemptStarts = new ArrayList<>();
    final List<String> discarded = new ArrayList<>();
    String outcome;
    Throwable failure;

    List<Object> comparable() {
      return List.of(events, attemptStarts, discarded, outcome);
    }
  }

  /** The classifier used by result-based scenarios: "503" and IOExceptions are retryable. */
  private static final OutcomeHandler.Builder<String> HTTP_LIKE =
      OutcomeHandler.<String>builder()
          .classifier(
              (result, error) -> {
                if (error != null) {
                  boolean transientFailure = error instanceof IOException || error instanceof AttemptTimeoutException;
                  return transientFailure ? Verdict.RETRYABLE : Verdict.NON_RETRYABLE;
                }
                if (result.startsWith("503")) {
                  return Verdict.RETRYABLE;
                }
                return result.startsWith("400") ? Verdict.NON_RETRYABLE : Verdict.SUCCESS;
              })
          .serverHint(
              (result, error) -> {
                if (result != null && result.contains("retry-after=")) {
                  return Duration.ofMillis(Long.parseLong(result.substring(result.indexOf('=') + 1)));
                }
                return null;
              })
          .resultSummary(result -> "status " + result.substring(0, 3));

  private static Observed[] both(
      UnaryOperator<RetryPolicy.Builder> configure, OutcomeHandler.Builder<String> handler, ScriptedCall.Step... steps)
      throws Exception {
    Observed sync = run(configure, handler, true, steps);
    Observed async = run(configure, handler, false, steps);
    assertThat(async.comparable()).as("async must match sync").isEqualTo(sync.comparable());
    return new Observed[] {sync, async};
  }

  private static Observed run(
      UnaryOperator<RetryPolicy.Builder> configure,
      OutcomeHandler.Builder<String> handlerBuilder,
      boolean sync,
      ScriptedCall.Step... steps)
      throws Exception {
    FakeClock clock = new FakeClock(Duration.ofHours(1).toNanos());
    long origin = clock.nanoTime();
    Observed observed = new Observed();
    RetryPolicy policy =
        configure
            .apply(RetryPolicy.builder().backoff(FIXED_10MS))
            .onRetry(e -> observed.events.add(at(clock, origin) + " retry #" + e.failedAttempt() + " in " + e.delay().toMillis() + "ms" + (e.serverHinted() ? " (hint)" : "")))
            .onSuccess(e -> observed.events.add(at(clock, origin) + " success after " + e.attempts()))
            .onFailure(e -> observed.events.add(at(clock, origin) + " failed after " + e.attempts()))
            .onGiveUp(e -> observed.events.add(at(clock, origin) + " gave up " + e.reason() + " after " + e.attempts()))
            .onDiscard(e -> observed.events.add(at(clock, origin) + " discarded #" + e.attempt() + " " + e.reason()))
            .build();
    OutcomeHandler<String> handler = handlerBuilder.onDiscard(observed.discarded::add).build();
    Retry retry = Retry.of(policy, clock, clock, new SplittableRandom(7));
    ScriptedCall call = new ScriptedCall(clock, steps);
    if (sync) {
      try {
        observed.outcome = "returned " + retry.execute(call.sync(), handler);
      } catch (Exception e) {
        observed.failure = e;
      }
    } else {
      CompletableFuture<String> future = retry.executeAsync(call.async(), handler);
      clock.runUntilIdle();
      assertThat(future).isDone();
      try {
        observed.outcome = "returned " + future.get();
      } catch (ExecutionException e) {
        observed.failure = e.getCause();
      }
    }
    if (observed.failure != null) {
      observed.outcome = describe(observed.failure);
    }
    for (Long start : call.attemptStartsMillis) {
      observed.attemptStarts.add(start - Duration.ofNanos(origin).toMillis());
    }
    clock.assertNoPendingTasks();
    return observed;
  }

  private static String at(FakeClock clock, long origin) {
    return "t=" + Duration.ofNanos(clock.nanoTime() - origin).toMillis();
  }

  private static String describe(Throwable failure) {
    StringBuilder text = new StringBuilder("threw ").append(failure.getClass().getSimpleName());
    if (failure instanceof RetriesExhaustedException) {
      RetriesExhaustedException exhausted = (RetriesExhaustedException) failure;
      text.append(' ').append(exhausted.reason()).append(" history=").append(exhausted.attempts().size());
    }
    text.append(" cause=").append(failure.getCause() == null ? null : failure.getCause().getClass().getSimpleName());
    text.append(" suppressed=").append(failure.getSuppressed().length);
    return text.toString();
  }

  @Test
  void successOnTheFirstAttempt() throws Exception {
    Observed[] runs = both(b -> b, HTTP_LIKE, ok(5, "200 ok"));
    assertThat(runs[0].outcome).isEqualTo("returned 200 ok");
    assertThat(runs[0].events).containsExactly("t=5 success after 1");
  }

  @Test
  void retriesExceptionsAfterTheBackoffThenSucceeds() throws Exception {
    Observed[] runs =
        both(b -> b, HTTP_LIKE, fail(5, () -> new IOException("reset")), fail(5, () -> new IOException("reset")), ok(5, "200 ok"));
    assertThat(runs[0].attemptStarts).containsExactly(0L, 15L, 30L);
    assertThat(runs[0].events)
        .containsExactly("t=5 retry #1 in 10ms", "t=20 retry #2 in 10ms", "t=35 success after 3");
  }

  @Test
  void retriesResultsAndDiscardsEveryResultNotReturned() throws Exception {
    Observed[] runs = both(b -> b, HTTP_LIKE, ok(5, "503 a"), ok(5, "503 b"), ok(5, "200 ok"));
    assertThat(runs[0].outcome).isEqualTo("returned 200 ok");
    assertThat(runs[0].discarded).containsExactly("503 a", "503 b");
    assertThat(runs[0].events)
        .containsExactly(
            "t=5 discarded #1 RETRIED",
            "t=5 retry #1 in 10ms",
            "t=20 discarded #2 RETRIED",
            "t=20 retry #2 in 10ms",
            "t=35 success after 3");
  }

  @Test
  void givesUpAfterMaxAttemptsWithTheWholeHistory() throws Exception {
    Observed[] runs =
        both(b -> b, HTTP_LIKE, fail(5, () -> new IOException("first")), fail(5, () -> new IOException("second")), fail(5, () -> new IOException("third")));
    assertThat(runs[0].outcome).isEqualTo("threw RetriesExhaustedException MAX_ATTEMPTS history=3 cause=IOException suppressed=2");
    RetriesExhaustedException exhausted = (RetriesExhaustedException) runs[0].failure;
    assertThat(exhausted.getCause()).isInstanceOf(IOException.class).hasMessage("third");
    assertThat(exhausted.getSuppressed()).extracting(Throwable::getMessage).containsExactly("first", "second");
    assertThat(exhausted.attempts()).extracting(r -> r.startOffset().orElseThrow().toMillis()).containsExactly(0L, 15L, 30L);
    assertThat(exhausted.attempts()).extracting(r -> r.duration().orElseThrow().toMillis()).containsExactly(5L, 5L, 5L);
    assertThat(exhausted.getMessage()).startsWith("gave up after 3 attempts (MAX_ATTEMPTS)").contains("#2 +15ms 5ms RETRYABLE java.io.IOException: second");
  }

  @Test
  void givingUpOnAResultDiscardsItAndSummarisesItWithoutItsBody() throws Exception {
    Observed[] runs = both(b -> b.maxAttempts(2), HTTP_LIKE, ok(5, "503 secret-token"), ok(5, "503 secret-token-2"));
    RetriesExhaustedException exhausted = (RetriesExhaustedException) runs[0].failure;
    assertThat(exhausted.lastResultSummary()).contains("status 503");
    assertThat(exhausted.getMessage()).doesNotContain("secret");
    assertThat(runs[0].discarded).containsExactly("503 secret-token", "503 secret-token-2");
  }

  @Test
  void returnLastResultOnGiveUpHandsBackTheFinalResult() throws Exception {
    OutcomeHandler.Builder<String> returning = copy(HTTP_LIKE).returnLastResultOnGiveUp(true);
    Observed[] runs = both(b -> b.maxAttempts(2), returning, ok(5, "503 a"), ok(5, "503 b"));
    assertThat(runs[0].outcome).isEqualTo("returned 503 b");
    assertThat(runs[0].discarded).containsExactly("503 a");
  }

  @Test
  void aNonRetryableExceptionIsThrownUnchangedWithEarlierErrorsSuppressed() throws Exception {
    Observed[] runs = both(b -> b, HTTP_LIKE, fail(5, () -> new IOException("reset")), fail(5, () -> new IllegalStateException("bug")));
    assertThat(runs[0].outcome).isEqualTo("threw IllegalStateException cause=null suppressed=1");
    assertThat(runs[0].events).containsExactly("t=5 retry #1 in 10ms", "t=20 failed after 2");
  }

  @Test
  void aNonRetryableResultIsReturnedAsTheCommittedAnswer() throws Exception {
    Observed[] runs = both(b -> b, HTTP_LIKE, ok(5, "503 a"), ok(5, "400 bad request"));
    assertThat(runs[0].outcome).isEqualTo("returned 400 bad request");
    assertThat(runs[0].events).endsWith("t=20 failed after 2");
  }

  @Test
  void errorsAreNeverRetried() throws Exception {
    OutcomeHandler.Builder<String> retryEverything =
        OutcomeHandler.<String>builder().classifier((r, e) -> e != null ? Verdict.RETRYABLE : Verdict.SUCCESS);
    Observed sync = run(b -> b, retryEverything, true, ok(0, "unused"));
    // Errors cannot come out of a Callable script as Exceptions, so use a dedicated attempt.
    assertThat(sync.outcome).isEqualTo("returned unused");
    FakeClock clock = new FakeClock();
    Retry retry = Retry.of(RetryPolicy.builder().backoff(FIXED_10MS).build(), clock, clock);
    AtomicInteger attempts = new AtomicInteger();
    OutcomeHandler<Object> handler = OutcomeHandler.builder().classifier((r, e) -> Verdict.RETRYABLE).build();
    try {
      retry.execute(() -> {
        attempts.incrementAndGet();
        throw new StackOverflowError("deep");
      }, handler);
    } catch (StackOverflowError expected) {
      assertThat(expected).hasMessage("deep");
    }
    assertThat(attempts).hasValue(1);
    CompletableFuture<Object> future = retry.executeAsync(() -> {
      attempts.incrementAndGet();
      return CompletableFuture.failedFuture(new OutOfMemoryError("simulated"));
    }, handler);
    clock.runUntilIdle();
    assertThat(future).isCompletedExceptionally();
    assertThat(attempts).hasValue(2);
  }

  @Test
  void perAttemptTimeoutCutsASlowAttemptShortAndRetries() throws Exception {
    Observed[] runs =
        both(
            b -> b.perAttemptTimeout(Duration.ofMillis(30)).interruptOnTimeout(true),
            HTTP_LIKE,
            ok(50, "200 slow"),
            ok(5, "200 fast"));
    assertThat(runs[0].outcome).isEqualTo("returned 200 fast");
    assertThat(runs[0].attemptStarts).containsExactly(0L, 40L);
    assertThat(runs[0].events).containsExactly("t=30 retry #1 in 10ms", "t=45 success after 2");
    assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks to the caller").isFalse();
  }

  @Test
  void theDeadlineCutsTheLastAttemptShortAndGivesUp() throws Exception {
    Observed[] runs =
        both(
            b -> b.maxAttempts(5).deadline(Duration.ofMillis(100)).interruptOnTimeout(true),
            HTTP_LIKE,
            fail(60, () -> new IOException("slow failure")),
            ok(60, "200 too late"));
    assertThat(runs[0].attemptStarts).containsExactly(0L, 70L);
    assertThat(runs[0].outcome).isEqualTo("threw RetriesExhaustedException DEADLINE history=2 cause=AttemptTimeoutException suppressed=1");
    assertThat(runs[0].events).containsExactly("t=60 retry #1 in 10ms", "t=100 gave up DEADLINE after 2");
  }

  @Test
  void attemptsAreToldTheirNumberAndTimeLimit() throws Exception {
    FakeClock clock = new FakeClock();
    ScriptedCall call = new ScriptedCall(clock, fail(20, () -> new IOException()), ok(1, "200"));
    Retry retry = Retry.of(
        RetryPolicy.builder().backoff(FIXED_10MS).deadline(Duration.ofMillis(100)).perAttemptTimeout(Duration.ofMillis(80)).build(),
        clock, clock);
    retry.execute(call.sync(), OutcomeHandler.defaults());
    assertThat(call.contexts).extracting(c -> c.attempt()).containsExactly(1, 2);
    // The second attempt starts at 30 ms: 70 ms are left before the deadline, less than 80.
    assertThat(call.contexts).extracting(c -> c.timeout().orElseThrow().toMillis()).containsExactly(80L, 70L);
  }

  @Test
  void aServerHintReplacesTheBackoffExactly() throws Exception {
    Observed[] runs =
        both(
            b -> b.backoff(Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1)).withJitter(Jitter.full())),
            HTTP_LIKE,
            ok(5, "503 retry-after=250"),
            ok(5, "200 ok"));
    assertThat(runs[0].attemptStarts).containsExactly(0L, 255L);
    assertThat(runs[0].events).contains("t=5 retry #1 in 250ms (hint)");
  }

  @Test
  void aNegativeServerHintStopsRetrying() throws Exception {
    Observed[] runs = both(b -> b, HTTP_LIKE, ok(5, "503 retry-after=-1"), ok(5, "200 ok"));
    assertThat(runs[0].outcome).startsWith("threw RetriesExhaustedException SERVER_REFUSED history=1");
    assertThat(runs[0].attemptStarts).containsExactly(0L);
  }

  @Test
  void admissionIsConsultedBeforeEveryRetryAndCanRefuse() throws Exception {
    List<Integer> asked = new ArrayList<>();
    Observed[] runs =
        both(
            b -> b.maxAttempts(5).admission(attempt -> {
              asked.add(attempt);
              return attempt <= 2;
            }),
            HTTP_LIKE,
            fail(5, () -> new IOException("a")),
            fail(5, () -> new IOException("b")),
            ok(5, "200"));
    assertThat(runs[0].outcome).startsWith("threw RetriesExhaustedException ADMISSION_DENIED history=2");
    // Asked for attempt 2 (yes) and 3 (no), once per path.
    assertThat(asked).containsExactly(2, 3, 2, 3);
  }

  @Test
  void jitteredDelaysAreTheSameOnBothPathsForTheSameSeed() throws Exception {
    Observed[] runs =
        both(
            b -> b.maxAttempts(4).backoff(Backoff.binaryExponentialWithJitter(Duration.ofMillis(100), Duration.ofSeconds(2))),
            HTTP_LIKE,
            fail(1, () -> new IOException()),
            fail(1, () -> new IOException()),
            fail(1, () -> new IOException()),
            ok(1, "200"));
    assertThat(runs[0].attemptStarts).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void aListenerThatThrowsDoesNotBreakTheCall() throws Exception {
    Observed[] runs =
        both(
            b -> b.onRetry(e -> {
              throw new IllegalStateException("listener bug");
            }),
            HTTP_LIKE,
            fail(5, () -> new IOException()),
            ok(5, "200 ok"));
    assertThat(runs[0].outcome).isEqualTo("returned 200 ok");
    assertThat(runs[0].events).containsExactly("t=5 retry #1 in 10ms", "t=20 success after 2");
  }

  @Test
  void aClassifierThatThrowsFailsTheCallWithWhatItThrew() throws Exception {
    OutcomeHandler.Builder<String> broken =
        OutcomeHandler.<String>builder().classifier((r, e) -> {
          throw new IllegalArgumentException("classifier bug");
        });
    Observed[] runs = both(b -> b, broken, ok(5, "200 ok"));
    assertThat(runs[0].outcome).isEqualTo("threw IllegalArgumentException cause=null suppressed=0");
    assertThat(runs[0].discarded).containsExactly("200 ok");
  }

  private static OutcomeHandler.Builder<String> copy(OutcomeHandler.Builder<String> builder) {
    OutcomeHandler<String> built = builder.build();
    return OutcomeHandler.<String>builder()
        .classifier(built.classifier())
        .serverHint(built.serverHint())
        .resultSummary(built.resultSummary());
  }
}
