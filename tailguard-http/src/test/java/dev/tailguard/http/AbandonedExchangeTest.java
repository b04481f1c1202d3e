package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.testing.FakeClock;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * When {@link AbandonedExchange} cancels an exchange nobody waits for, and when it drains it
 * instead: HTTP/1.1 at once, HTTP/2 only with a reset token or once the drain bounds are passed,
 * after a grace period for a small body on its way. The exchange is a bare future (cancelling it
 * is what aborts a JDK exchange) and time is a {@link FakeClock}, started an hour in so that
 * elapsed times are not absolute ones.
 */
class AbandonedExchangeTest {
  private static final long MAX_DRAIN = 100;

  private final FakeClock clock = new FakeClock(Duration.ofHours(1).toNanos());
  private final CompletableFuture<Object> exchange = new CompletableFuture<>();

  private AbandonedExchange watching(boolean http2Possible, int resetsPerSecond) {
    return watching(http2Possible, new ResetBudget(resetsPerSecond, clock));
  }

  private AbandonedExchange watching(boolean http2Possible, ResetBudget budget) {
    AbandonedExchange watch = new AbandonedExchange(http2Possible, MAX_DRAIN, budget, clock, clock);
    watch.attach(exchange);
    return watch;
  }

  private static HttpResponse.ResponseInfo head(HttpClient.Version version, Long contentLength) {
    HttpHeaders headers = HttpHeaders.of(
        contentLength == null ? Map.of() : Map.of("Content-Length", List.of(Long.toString(contentLength))), (n, v) -> true);
    return new HttpResponse.ResponseInfo() {
      @Override public int statusCode() {
        return 200;
      }
      @Override public HttpHeaders headers() {
        return headers;
      }
      @Override public HttpClient.Version version() {
        return version;
      }
    };
  }

  @Test
  void anHttp11ExchangeIsCancelledAtOnce_evenWithoutAResetToken() {
    AbandonedExchange watch = watching(false, 0);
    assertThat(watch.isAbandoned()).isFalse();

    watch.abandon();

    assertThat(watch.isAbandoned()).isTrue();
    assertThat(exchange).isCancelled();
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void theHeadsVersionDecides_notWhatTheClientMightHaveSpoken() {
    AbandonedExchange saidHttp11 = watching(true, 0);
    saidHttp11.head(head(HttpClient.Version.HTTP_1_1, null));
    saidHttp11.abandon();
    assertThat(exchange).as("an HTTP/1.1 answer from an HTTP/2-capable client").isCancelled();

    CompletableFuture<Object> other = new CompletableFuture<>();
    AbandonedExchange saidHttp2 = new AbandonedExchange(false, MAX_DRAIN, new ResetBudget(0, clock), clock, clock);
    saidHttp2.attach(other);
    saidHttp2.head(head(HttpClient.Version.HTTP_2, null));
    saidHttp2.abandon();
    assertThat(other).as("an HTTP/2 answer without a reset token is drained").isNotDone();
    assertThat(saidHttp2.isAbandoned()).isTrue();
    other.complete("ended by itself");
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void anHttp2ExchangeWithoutAToken_isDrainedForExactlyTheDrainLimitThenReset() {
    AbandonedExchange watch = watching(true, 0);

    watch.abandon();

    assertThat(exchange).isNotDone();
    assertThat(clock.nextTaskDelay()).contains(AbandonedExchange.DRAIN_LIMIT);
    clock.advance(AbandonedExchange.DRAIN_LIMIT.minusNanos(1));
    assertThat(exchange).isNotDone();
    clock.advance(Duration.ofNanos(1));
    assertThat(exchange).as("reset once the drain limit has passed, whatever the budget").isCancelled();
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void aDrainedExchangeThatEndsByItself_isNeverCancelledAndLeavesNoTimer() {
    AbandonedExchange watch = watching(true, 0);
    watch.abandon();
    assertThat(clock.pendingTasks()).isEqualTo(1);

    exchange.complete("ended by itself");

    assertThat(clock.pendingTasks()).as("its drain timer is cancelled").isZero();
    clock.advance(AbandonedExchange.DRAIN_LIMIT);
    assertThat(exchange).isCompletedWithValue("ended by itself");
  }

  @Test
  void aDrainedExchangeIsResetOnceMoreThanMaxDrainBytesArrived_notAtExactlyThatMany() {
    AbandonedExchange watch = watching(true, 0);
    watch.bytes(MAX_DRAIN);
    watch.abandon();
    assertThat(exchange).as("exactly maxDrainBytes may be drained").isNotDone();

    watch.bytes(1);

    assertThat(exchange).as("one byte more and it is reset").isCancelled();
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void bytesBeyondTheBoundDoNotEndAnExchangeSomeoneStillWaitsFor() {
    AbandonedExchange watch = watching(true, 0);

    watch.bytes(MAX_DRAIN * 10);

    assertThat(exchange).isNotDone();
    assertThat(watch.isAbandoned()).isFalse();
  }

  @Test
  void aForcedResetIsChargedToTheBudget() {
    ResetBudget budget = new ResetBudget(2, clock);
    assertThat(budget.tryAcquire()).as("the burst of one").isTrue();
    AbandonedExchange watch = watching(true, budget);
    watch.abandon();
    assertThat(exchange).isNotDone();
    assertThat(clock.nextTaskDelay()).as("until the next token").contains(Duration.ofMillis(500));

    watch.bytes(MAX_DRAIN + 1);

    assertThat(exchange).isCancelled();
    assertThat(Duration.ofNanos(budget.nanosUntilToken())).as("the forced reset took a token it did not have")
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void aSmallDeclaredBodyGetsTheGraceToEndUnreset_aLargerOrUndeclaredOneIsResetAtOnce() {
    for (long length : new long[] {0, MAX_DRAIN}) {
      CompletableFuture<Object> small = new CompletableFuture<>();
      AbandonedExchange watch = new AbandonedExchange(true, MAX_DRAIN, new ResetBudget(50, clock), clock, clock);
      watch.attach(small);
      watch.head(head(HttpClient.Version.HTTP_2, length));

      watch.abandon();

      assertThat(small).as("Content-Length %s waits", length).isNotDone();
      assertThat(clock.nextTaskDelay()).contains(AbandonedExchange.GRACE);
      clock.advance(AbandonedExchange.GRACE);
      assertThat(small).as("then is reset with a token").isCancelled();
    }
    for (Long length : new Long[] {MAX_DRAIN + 1, null}) {
      CompletableFuture<Object> large = new CompletableFuture<>();
      AbandonedExchange watch = new AbandonedExchange(true, MAX_DRAIN, new ResetBudget(50, clock), clock, clock);
      watch.attach(large);
      watch.head(head(HttpClient.Version.HTTP_2, length));

      watch.abandon();

      assertThat(large).as("Content-Length %s", length).isCancelled();
    }
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void anExchangeWhoseBodyEnded_orThatWasAbandonedBefore_isLeftAlone() {
    AbandonedExchange ended = watching(false, 50);
    ended.bodyEnded();
    ended.abandon();
    assertThat(exchange).isNotDone();
    assertThat(ended.isAbandoned()).isFalse();

    CompletableFuture<Object> twice = new CompletableFuture<>();
    ResetBudget budget = new ResetBudget(2, clock);
    AbandonedExchange watch = new AbandonedExchange(true, MAX_DRAIN, budget, clock, clock);
    watch.attach(twice);
    watch.abandon();
    watch.abandon();
    assertThat(twice).isCancelled();
    assertThat(budget.tryAcquire()).as("one reset, one token").isFalse();
  }
}
