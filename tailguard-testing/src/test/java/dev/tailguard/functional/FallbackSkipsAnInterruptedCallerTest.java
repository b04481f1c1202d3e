package dev.tailguard.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.Fallback;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fallback does not answer a call its caller killed. A blocking hedged caller that is
 * interrupted gets {@code CallKilledException} and no fallback; a retrying caller interrupted in
 * its attempt or its backoff got the fallback's answer instead, as if the backend had failed:
 * the interrupt (the synchronous cancel) is the caller giving up, so it ends the call with it.
 */
class FallbackSkipsAnInterruptedCallerTest {
  private final FakeClock clock = new FakeClock();
  private final Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock)
      .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build()).build();

  @AfterEach
  void clean() {
    Thread.interrupted();
    clock.assertNoPendingTasks();
  }

  @Test
  void anAttemptInterruptedIsNotAnsweredByTheFallback() {
    assertThatThrownBy(() -> pipeline.execute(attempt -> {
          throw new InterruptedException("caller gave up");
        }, OutcomeHandler.defaults(), Fallback.of("cached")))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void aBackoffInterruptedIsNotAnsweredByTheFallback() {
    assertThatThrownBy(() -> pipeline.execute(attempt -> {
          Thread.currentThread().interrupt(); // the caller is interrupted while this attempt fails
          throw new IOException("down");
        }, OutcomeHandler.defaults(), Fallback.of("cached")))
        .isInstanceOfSatisfying(RetriesExhaustedException.class,
            failure -> assertThat(failure.reason()).isEqualTo(GiveUpReason.INTERRUPTED));
    assertThat(Thread.interrupted()).isTrue();
  }
}
