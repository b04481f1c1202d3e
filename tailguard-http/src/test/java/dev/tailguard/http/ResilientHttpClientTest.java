package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ResilientHttpClient} against real HTTP servers on 127.0.0.1. */
@Timeout(30)
class ResilientHttpClientTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void nothingLeftScheduled() {
    clock.assertNoPendingTasks();
  }

  private ResilientHttpClient.Builder retrying(int attempts) {
    return ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.fixed(Duration.ofMillis(100))).build());
  }

  /** Runs the fake clock's retry timers as the real exchanges schedule them, until the call ends. */
  private <T> T completeWithFakeTime(CompletableFuture<T> call, List<Duration> delays) throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!call.isDone() && System.nanoTime() < deadline) {
      if (clock.pendingTasks() > 0) {
        Duration delay = clock.nextTaskDelay().orElseThrow();
        delays.add(delay);
        clock.advance(delay);
      } else {
        // Park briefly rather than spin: on two cores a spinning test starves the exchange it waits for.
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
    }
    return call.get(1, TimeUnit.SECONDS);
  }

  @Test
  void serviceUnavailableTwiceThenOk_waitsExactlyTheRetryAfterSeconds() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(
        status(503, "busy", "Retry-After", "7"), status(503, "busy", "Retry-After", "3"), status(200, "done"))) {
      ResilientHttpClient client = retrying(3).build();
      List<Duration> delays = new CopyOnWriteArrayList<>();

      HttpResponse<String> response = completeWithFakeTime(
          client.sendAsync(HttpRequest.newBuilder(server.uri("/a")).build(), BodyHandlers.ofString()), delays);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("done");
      assertThat(delays).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(3));
      assertThat(server.received()).hasSize(3);
      // The 503 bodies were drained, so one keep-alive connection carried all three exchanges.
      assertThat(server.connections()).isEqualTo(1);
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void retryAfterAsAnHttpDate_isReadAgainstTheWallClock() throws Exception {
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    String inThirtySeconds = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).format(now.plusSeconds(30));
    try (LoopbackHttpServer server = new LoopbackHttpServer(
        status(503, "", "Retry-After", inThirtySeconds), status(429, "", "Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"),
        status(200, "done"))) {
      ResilientHttpClient client = retrying(3).wallClock(java.time.Clock.fixed(now, ZoneOffset.UTC)).build();
      List<Duration> delays = new CopyOnWriteArrayList<>();

      HttpResponse<String> response = completeWithFakeTime(
          client.sendAsync(HttpRequest.newBuilder(server.uri("/a")).build(), BodyHandlers.ofString()), delays);

      assertThat(response.statusCode()).isEqualTo(200);
      // A date in the past means "now"; the fake clock runs a zero-delay task at once.
      assertThat(delays).containsExactly(Duration.ofSeconds(30), Duration.ZERO);
    }
  }

  @Test
  void garbageRetryAfter_fallsBackToTheBackoff() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(
        status(503, "", "Retry-After", "soon-ish"), status(200, "done"))) {
      List<Duration> delays = new CopyOnWriteArrayList<>();
      HttpResponse<String> response = completeWithFakeTime(retrying(2).build()
          .sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()), delays);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(delays).containsExactly(Duration.ofMillis(100));
    }
  }

  @Test
  void givingUpReturnsTheLastResponseWithItsBodyIntact() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "still busy", "Retry-After", "1"))) {
      HttpResponse<String> response = completeWithFakeTime(retrying(3).build()
          .sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).isEqualTo("still busy");
      assertThat(server.received()).hasSize(3);
    }
  }

  @Test
  void clientErrorsAndInternalErrorsAreReturnedNotRetried() throws Exception {
    for (int status : new int[] {400, 404, 500, 501}) {
      try (LoopbackHttpServer server = new LoopbackHttpServer(status(status, "no"))) {
        HttpResponse<String> response = retrying(3).build().send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(server.received()).as("requests for %s", status).hasSize(1);
      }
    }
  }

  @Test
  void postWithoutKey_resetAfterItWasSent_isNotRetriedAndSaysItMayHaveBeenProcessed() throws Exception {
    try (RawHttpServer server = new RawHttpServer(RawHttpServer.Action.RESET_AFTER_REQUEST, RawHttpServer.Action.OK)) {
      ResilientHttpClient client = retrying(3).build();
      HttpRequest post = HttpRequest.newBuilder(server.uri("/charge")).POST(BodyPublishers.ofString("amount=10")).build();

      assertThatThrownBy(() -> client.send(post, BodyHandlers.ofString()))
          .isInstanceOf(NotRetriedException.class)
          .hasMessageContaining("may have been processed")
          .satisfies(e -> assertThat(((NotRetriedException) e).reason()).isEqualTo(NotRetriedException.Reason.MAY_HAVE_BEEN_PROCESSED));
      assertThat(server.received()).hasSize(1);
    }
  }

  @Test
  void postToAServerThatHonoursKeys_isRetriedWithTheSameAutomaticKeyEveryTime() throws Exception {
    try (RawHttpServer server = new RawHttpServer(
        RawHttpServer.Action.RESET_AFTER_REQUEST, RawHttpServer.Action.RESET_AFTER_REQUEST, RawHttpServer.Action.OK)) {
      ResilientHttpClient client = retrying(3).serverHonoursIdempotencyKey(true).build();
      HttpRequest post = HttpRequest.newBuilder(server.uri("/charge")).POST(BodyPublishers.ofString("amount=10")).build();

      HttpResponse<String> response = completeWithFakeTime(client.sendAsync(post, BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(server.received()).hasSize(3);
      List<String> keys = server.received().stream().map(r -> r.headers().get("idempotency-key")).toList();
      assertThat(keys.get(0)).matches("\"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\"");
      assertThat(keys).containsOnly(keys.get(0));
      assertThat(server.received()).allSatisfy(r -> assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("amount=10"));
    }
  }

  @Test
  void callersOwnIdempotencyKeyIsNeverReplaced() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, ""), status(201, "made"))) {
      HttpRequest post = HttpRequest.newBuilder(server.uri("/orders"))
          .header("Idempotency-Key", "\"order-42\"").POST(BodyPublishers.ofString("{}")).build();

      HttpResponse<String> response = completeWithFakeTime(retrying(2).build().sendAsync(post, BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(server.received()).extracting(r -> r.header("Idempotency-Key")).containsExactly("\"order-42\"", "\"order-42\"");
    }
  }

  @Test
  void retryableStatusOnAPostWithoutKey_isReturnedNotRetried() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(200, "ok"))) {
      HttpResponse<String> response = retrying(3).build()
          .post(server.uri("/charge"), "text/plain", "x".getBytes(StandardCharsets.UTF_8));

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(server.received()).hasSize(1);
    }
  }

  @Test
  void connectionRefused_isRetriedEvenForAPostWithoutKey() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    AtomicInteger attempts = new AtomicInteger();
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(100)))
            .onAttempt(event -> attempts.incrementAndGet()).build())
        .build();
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort + "/")).POST(BodyPublishers.ofString("x")).build();

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(post, BodyHandlers.ofString());

    assertThatThrownBy(() -> completeWithFakeTime(call, new CopyOnWriteArrayList<>()))
        .hasCauseInstanceOf(TailguardHttpException.class)
        .cause().hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(attempts).hasValue(3);
  }

  @Test
  void fiveRetried503sOnOneKeepAliveConnection_completeWithoutStalling() throws Exception {
    String errorPage = "x".repeat(16 * 1024);
    try (LoopbackHttpServer server = new LoopbackHttpServer(
        status(503, errorPage), status(503, errorPage), status(503, errorPage), status(503, errorPage), status(503, errorPage),
        status(200, "finally"))) {
      HttpResponse<String> response = completeWithFakeTime(retrying(6).build()
          .sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(response.body()).isEqualTo("finally");
      assertThat(server.received()).hasSize(6);
      assertThat(server.connections()).isEqualTo(1);
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void retryableResponseOverTheDrainLimit_isDroppedAndItsConnectionClosed() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "y".repeat(200_000)), status(200, "ok"))) {
      HttpResponse<String> response = completeWithFakeTime(retrying(2).maxDrainBytes(1024).build()
          .sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(response.body()).isEqualTo("ok");
      assertThat(server.connections()).isEqualTo(2);
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void hedgeLoserWithATenMegabyteBody_isCancelledAndItsExchangeReleased() throws Exception {
    CountDownLatch loserAborted = new CountDownLatch(1);
    LoopbackHttpServer.Reply slowHugeBody = exchange -> {
      exchange.sendResponseHeaders(200, 10 << 20);
      byte[] chunk = new byte[64 * 1024];
      try (OutputStream out = exchange.getResponseBody()) {
        for (int sent = 0; sent < 10 << 20; sent += chunk.length) {
          out.write(chunk);
          out.flush();
          TimeUnit.MILLISECONDS.sleep(20);
        }
      } catch (IOException aborted) {
        loserAborted.countDown();
        throw aborted;
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      }
    };
    try (LoopbackHttpServer server = new LoopbackHttpServer(slowHugeBody, status(200, "fast"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
          .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(2).build())
          .build();

      HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(server.uri("/big")).build(), BodyHandlers.ofByteArray());

      assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("fast");
      assertThat(loserAborted.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the loser's exchange was aborted").isTrue();
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void oneShotBodyOverTheCap_isSentWholeOnceAndNotRetried() throws Exception {
    byte[] payload = new byte[4096];
    new Random(1).nextBytes(payload);
    List<BodyNotReplayableEvent> events = new CopyOnWriteArrayList<>();
    try (RawHttpServer server = new RawHttpServer(RawHttpServer.Action.RESET_AFTER_REQUEST, RawHttpServer.Action.OK)) {
      ResilientHttpClient client = retrying(3).maxReplayBytes(1024).onBodyNotReplayable(events::add).build();
      HttpRequest put = HttpRequest.newBuilder(server.uri("/upload"))
          .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(payload))).build();

      assertThatThrownBy(() -> client.send(put, BodyHandlers.ofString()))
          .isInstanceOf(NotRetriedException.class)
          .hasMessageContaining("replay cap")
          .satisfies(e -> assertThat(((NotRetriedException) e).reason()).isEqualTo(NotRetriedException.Reason.BODY_NOT_REPLAYABLE));
      assertThat(server.received()).hasSize(1);
      assertThat(server.received().get(0).body()).as("the buffered prefix and the streamed rest").isEqualTo(payload);
      assertThat(events).singleElement().satisfies(event -> {
        assertThat(event.cap()).isEqualTo(1024);
        assertThat(event.bytesRead()).isGreaterThan(1024);
        assertThat(event.method()).isEqualTo("PUT");
      });
    }
  }

  @Test
  void oneShotBodyUnderTheCap_isResentWholeOnEveryAttempt() throws Exception {
    byte[] payload = new byte[10_000];
    new Random(2).nextBytes(payload);
    AtomicInteger streamsOpened = new AtomicInteger();
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, ""), status(502, ""), status(200, "stored"))) {
      HttpRequest put = HttpRequest.newBuilder(server.uri("/upload"))
          .PUT(BodyPublishers.ofInputStream(() -> {
            streamsOpened.incrementAndGet();
            return new ByteArrayInputStream(payload);
          })).build();

      HttpResponse<String> response = completeWithFakeTime(retrying(3).build().sendAsync(put, BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(response.body()).isEqualTo("stored");
      assertThat(server.received()).hasSize(3).allSatisfy(r -> assertThat(r.body()).isEqualTo(payload));
      assertThat(streamsOpened).as("the one-shot source is read once").hasValue(1);
    }
  }

  @Test
  void attemptCountHeader_tellsTheServerHowManyAttemptsCameBefore() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, ""), status(503, ""), status(200, "ok"))) {
      completeWithFakeTime(retrying(3).attemptCountHeader("Tailguard-Previous-Attempts").build()
          .sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()), new CopyOnWriteArrayList<>());

      assertThat(server.received()).extracting(r -> r.header("Tailguard-Previous-Attempts")).containsExactly("0", "1", "2");
    }
  }

  @Test
  void withoutRetriesNothingIsAddedToTheRequest() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).build();
      HttpResponse<String> response = client.post(server.uri("/"), "text/plain", new byte[] {1});

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(server.received()).singleElement().satisfies(r -> assertThat(r.header("Idempotency-Key")).isNull());
    }
  }

  @Test
  void withoutRetriesAFailedPostKeepsItsOwnException() throws Exception {
    try (RawHttpServer server = new RawHttpServer(RawHttpServer.Action.RESET_AFTER_REQUEST)) {
      ResilientHttpClient plain = ResilientHttpClient.builder().client(jdk).build();

      assertThatThrownBy(() -> plain.post(server.uri("/"), "text/plain", new byte[] {1}))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(NotRetriedException.class);
    }
  }

  @Test
  void convenienceMethodsSendWhatTheySay() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(200, "hello"))) {
      ResilientHttpClient client = retrying(2).build();

      assertThat(client.get(server.uri("/g")).body()).isEqualTo("hello");
      assertThat(client.head(server.uri("/h")).statusCode()).isEqualTo(200);
      client.postForm(server.uri("/f"), new java.util.LinkedHashMap<>(java.util.Map.of("q", "a b&c")));

      assertThat(server.received()).extracting(LoopbackHttpServer.Received::method).containsExactly("GET", "HEAD", "POST");
      assertThat(new String(server.received().get(2).body(), StandardCharsets.UTF_8)).isEqualTo("q=a+b%26c");
      assertThat(server.received().get(2).header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
    }
  }

  @Test
  void badConfigurationIsRejectedWithTheValue() {
    assertThatThrownBy(() -> ResilientHttpClient.builder().maxReplayBytes(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxReplayBytes").hasMessageContaining("-1");
    assertThatThrownBy(() -> ResilientHttpClient.builder().attemptCountHeader("bad header"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad header");
    ResilientHttpClient inner = ResilientHttpClient.builder().client(jdk).build();
    assertThatThrownBy(() -> ResilientHttpClient.builder().client(inner))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a ResilientHttpClient");
    assertThatThrownBy(() -> ResilientHttpClient.builder().retry(RetryPolicy.ofDefaults())
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(1))).build()))
        .isInstanceOf(IllegalStateException.class);
  }
}
