package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.ConcurrencyLimitExceededException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 20 on the JDK adapter: a {@link ConcurrencyLimit} given to {@code ResilientHttpClient}'s
 * builder bounds the exchanges a real server sees, refuses the one over it without sending or
 * retrying it, and gets every permit back, whatever the attempts' answers.
 */
@Timeout(30)
class ConcurrencyLimitOverLoopbackTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void nothingLeftScheduled() {
    clock.assertNoPendingTasks();
  }

  private ResilientHttpClient client(ConcurrencyLimit limit) {
    return ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(100))).build())
        .concurrencyLimit(limit).build();
  }

  @Test
  void aFullLimitRefusesTheNextExchangeWithoutSendingOrRetryingIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (LoopbackHttpServer server = new LoopbackHttpServer(exchange -> {
      try {
        release.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      status(200, "ok").handle(exchange);
    })) {
      ConcurrencyLimit limit = ConcurrencyLimit.fixed(2).name("orders").build();
      ResilientHttpClient client = client(limit);
      CompletableFuture<HttpResponse<String>> first = client.sendAsync(HttpRequest.newBuilder(server.uri("/a")).build(), BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> second = client.sendAsync(HttpRequest.newBuilder(server.uri("/b")).build(), BodyHandlers.ofString());
      Eventually.holds(() -> server.received().size() == 2, BOUND);
      assertThat(limit.inFlight()).isEqualTo(2);

      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(server.uri("/c")).build(), BodyHandlers.ofString()))
          .hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
      // Refused before sending, and not retried into the same limit: no timer, no third request.
      assertThat(clock.pendingTasks()).isZero();
      assertThat(limit.refusals()).isEqualTo(1);

      release.countDown();
      assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(second.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(server.received()).hasSize(2);
      assertThat(limit.inFlight()).isZero();
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void everyAttemptOfARetriedExchangeHoldsAPermitOnlyWhileItRuns() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(503, "busy"), status(200, "ok"))) {
      ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("orders").build();
      CompletableFuture<HttpResponse<String>> call = client(limit).sendAsync(
          HttpRequest.newBuilder(server.uri("/a")).build(), BodyHandlers.ofString());
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (!call.isDone() && System.nanoTime() < deadline) {
        if (clock.pendingTasks() > 0) {
          // Waiting out the backoff, the call holds no permit: another exchange could take the only one.
          assertThat(limit.inFlight()).isZero();
          clock.advance(clock.nextTaskDelay().orElseThrow());
        } else {
          LockSupport.parkNanos(100_000);
        }
      }
      assertThat(call.get(1, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(server.received()).hasSize(3);
      assertThat(limit.inFlight()).isZero();
      assertThat(limit.refusals()).isZero();
    }
  }
}
