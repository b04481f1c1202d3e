package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.Eventually;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 10: one-shot bodies buffered for replay share one budget per client
 * ({@code maxReplayBytesInFlight}). A body that does not fit is sent once, not retried, and
 * reported; the bytes come back when a call ends.
 */
@Timeout(30)
class ReplayBudgetTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final int BODY = 10_000;

  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static HttpRequest oneShotPut(LoopbackHttpServer server, byte[] payload) {
    return HttpRequest.newBuilder(server.uri("/upload")).PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(payload))).build();
  }

  @Test
  void bodyThatDoesNotFitTheSharedBudget_isSentOnceAndNotRetried_andTheBudgetComesBack() throws Exception {
    byte[] payload = new byte[BODY];
    new Random(3).nextBytes(payload);
    CountDownLatch release = new CountDownLatch(1);
    LoopbackHttpServer.Reply held = exchange -> {
      try {
        release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      }
      status(200, "first").handle(exchange);
    };
    List<BodyNotReplayableEvent> events = new CopyOnWriteArrayList<>();
    try (LoopbackHttpServer server = new LoopbackHttpServer(
        held, status(503, "busy"), status(503, "busy"), status(200, "third"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
          .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(1))).build())
          .maxReplayBytes(64 << 10).maxReplayBytesInFlight(16 << 10).onBodyNotReplayable(events::add).build();

      CompletableFuture<HttpResponse<String>> first = client.sendAsync(oneShotPut(server, payload), BodyHandlers.ofString());
      Eventually.holds(() -> server.received().size() == 1, BOUND);
      assertThat(client.replayBytesInFlight()).as("the first body is held for replay").isEqualTo(BODY);

      HttpResponse<String> second = client.send(oneShotPut(server, payload), BodyHandlers.ofString());

      assertThat(second.statusCode()).as("a 503 on a body that could not be buffered is not retried").isEqualTo(503);
      assertThat(server.received()).hasSize(2);
      assertThat(server.received().get(1).body()).as("sent whole, once").isEqualTo(payload);
      assertThat(events).singleElement().satisfies(event -> {
        assertThat(event.method()).isEqualTo("PUT");
        assertThat(event.cap()).isEqualTo(16 << 10);
      });

      release.countDown();
      assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("first");
      Eventually.holds(() -> client.replayBytesInFlight() == 0, BOUND);

      HttpResponse<String> third = client.send(oneShotPut(server, payload), BodyHandlers.ofString());

      assertThat(third.body()).as("with the budget back, the body is buffered and retried").isEqualTo("third");
      assertThat(server.received()).hasSize(4);
      assertThat(server.received().get(3).body()).isEqualTo(payload);
      assertThat(events).hasSize(1);
      assertThat(client.replayBytesInFlight()).isZero();
    }
  }

  @Test
  void failedAndCancelledCalls_giveTheirReplayBytesBack() throws Exception {
    byte[] payload = new byte[BODY];
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(400, "no"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
          .retry(RetryPolicy.builder().maxAttempts(2).build()).maxReplayBytesInFlight(12 << 10).build();

      for (int i = 0; i < 5; i++) {
        assertThat(client.send(oneShotPut(server, payload), BodyHandlers.ofString()).statusCode()).isEqualTo(400);
      }
      client.sendAsync(oneShotPut(server, payload), BodyHandlers.ofString()).cancel(true);

      Eventually.holds(() -> client.replayBytesInFlight() == 0, BOUND);
    }
  }

  @Test
  void negativeBudgetIsRejectedWithTheValue() {
    assertThatThrownBy(() -> ResilientHttpClient.builder().maxReplayBytesInFlight(-5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxReplayBytesInFlight must be >= 0: -5");
  }
  @Test
  void reservationsMayFillTheBudgetExactly_andGiveItBackOnce() {
    ReplayBudget budget = new ReplayBudget(10);
    ReplayBudget.Reservation first = budget.open();
    ReplayBudget.Reservation second = budget.open();

    assertThat(first.tryAdd(6)).isTrue();
    assertThat(budget.available()).isEqualTo(4);
    assertThat(second.tryAdd(5)).as("one byte over").isFalse();
    assertThat(second.tryAdd(4)).as("exactly what is left").isTrue();
    assertThat(budget.available()).isZero();
    assertThat(budget.inUse()).isEqualTo(10);

    first.close();
    first.close();
    assertThat(budget.available()).as("given back once").isEqualTo(6);
    assertThat(first.tryAdd(1)).as("a closed reservation takes nothing").isFalse();
    second.close();
    assertThat(budget.inUse()).isZero();
    assertThat(budget.available()).isEqualTo(10);
  }
}
