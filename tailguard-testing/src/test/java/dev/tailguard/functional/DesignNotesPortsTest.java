package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Examples from the design notes (/work/shared/seeds), ported to the public API on a fake clock,
 * checked against what the notes say they do.
 */
class DesignNotesPortsTest {
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void noTimersLeft() {
    clock.assertNoPendingTasks();
  }

  /** A backend whose every answer takes {@code millis}; the answer ignores cancellation, as a socket may. */
  private CompletionStage<String> answerAfter(long millis, String value, List<CompletableFuture<String>> sent) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    sent.add(answer);
    clock.schedule(() -> answer.complete(value), Duration.ofMillis(millis));
    // A minimal stage: cancelling the engine's view of it does not stop the answer arriving.
    return answer.minimalCompletionStage();
  }

  /**
   * The Go backup-request library's example (seed 000): a backup every 10 ms
   * ({@code retry.Fixed(10ms)}), an access check that admits while its shared counter is at most
   * 5, and a callback for every response that is not the first. With the library's semantics (a
   * refused access kills the call: {@code ErrNoAccess}, {@code IsKilled(err)}) against a backend
   * stuck for 100 ms: six backups go out, the seventh is refused at 70 ms, the call is killed.
   */
  @Test
  void backupRequestLibraryARefusedAccessKillsTheCall() {
    AtomicInteger cnt = new AtomicInteger();
    RetryAdmission access = attempt -> {
      if (cnt.get() > 5) {
        return false;
      }
      cnt.incrementAndGet();
      return true;
    };
    List<CompletableFuture<String>> sent = new ArrayList<>();
    List<String> callback = new ArrayList<>();
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(10)
        .admission(access).whenHedgeRefused(HedgePolicy.RefusedHedge.KILL_CALL).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(
        attempt -> answerAfter(100, "resp " + attempt.attempt(), sent),
        OutcomeHandler.<String>builder().onDiscard(callback::add).build());
    clock.advance(Duration.ofMillis(70));
    assertThat(sent).hasSize(7);
    assertThat(call).isCompletedExceptionally();
    // The future's own failure: get() rethrows a CancellationException as it is on JDK 17 but wraps
    // it in a new CancellationException("get") on newer JDKs; Hedge.isKilled is true for both.
    assertThatThrownBy(call::get).satisfies(thrown -> assertThat(Hedge.isKilled(thrown)).isTrue());
    Throwable failure = call.handle((result, error) -> error).join();
    assertThat(failure).isInstanceOfSatisfying(CallKilledException.class, killed -> {
      assertThat(Hedge.isKilled(killed)).isTrue();
      assertThat(killed).hasMessageContaining("refused hedge 8");
    });
    // The stuck responses still arrive; nobody receives them, so each reaches the callback once.
    clock.advance(Duration.ofMillis(100));
    assertThat(callback).hasSize(7).doesNotHaveDuplicates();
  }

  /**
   * The same example with Tailguard's default: a refused backup only stops backups, and the call
   * takes the first response (at 100 ms); every other response goes to the callback exactly once.
   */
  @Test
  void backupRequestLibraryWithStopHedgingTakesTheFirstResponse() {
    AtomicInteger cnt = new AtomicInteger();
    RetryAdmission access = attempt -> cnt.get() <= 5 && cnt.incrementAndGet() > 0;
    List<CompletableFuture<String>> sent = new ArrayList<>();
    List<String> callback = new ArrayList<>();
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(10)
        .admission(access).build(), clock, clock);
    CompletableFuture<String> call = hedge.executeAsync(
        attempt -> answerAfter(100, "resp " + attempt.attempt(), sent),
        OutcomeHandler.<String>builder().onDiscard(callback::add).build());
    clock.advance(Duration.ofMillis(100));
    assertThat(call).isCompletedWithValue("resp 1");
    assertThat(sent).hasSize(7);
    clock.advance(Duration.ofMillis(100));
    assertThat(callback).containsExactlyInAnyOrder("resp 2", "resp 3", "resp 4", "resp 5", "resp 6", "resp 7");
  }

  /**
   * brpc's backup request (seed 002): {@code backup_request_ms = 2}; the server sleeps 20 ms on
   * even-numbered requests. "The final delay is not affected by the intentional sleep": every call
   * ends within 2 ms plus one fast answer, and only the even requests send a backup.
   */
  @Test
  void brpcBackupRequestHidesTheServersSleep() {
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(2))).maxAttempts(2).build(), clock, clock);
    List<CompletableFuture<String>> sent = new ArrayList<>();
    for (int index = 0; index < 10; index++) {
      int request = index;
      long start = clock.nanoTime();
      CompletableFuture<String> call = hedge.executeAsync(attempt -> {
        // The first server sleeps on even requests; the backup goes to a server that does not.
        boolean sleeps = request % 2 == 0 && attempt.attempt() == 1;
        return answerAfter(sleeps ? 20 : 1, "index " + request, sent);
      }, OutcomeHandler.defaults());
      while (!call.isDone()) {
        clock.advance(Duration.ofMillis(1));
      }
      assertThat(call).isCompletedWithValue("index " + request);
      assertThat(Duration.ofNanos(clock.nanoTime() - start)).isLessThanOrEqualTo(Duration.ofMillis(3));
      // Let the slow server's answer arrive before the next request (it is discarded).
      clock.advance(Duration.ofMillis(20));
    }
    assertThat(sent).hasSize(15);
  }
}
