package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AttemptTimeoutException;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the JDK adapter's per-attempt timeout and hedge delay measure: until the attempt's {@code
 * sendAsync} future completes, which is when the caller's {@link BodyHandler} has its body. For
 * buffering handlers ({@code ofString}, {@code ofByteArray}, {@code discarding}) that is the whole
 * body; for streaming ones ({@code ofInputStream}, {@code ofLines}, {@code ofPublisher}) only the
 * headers, and reading the stream is not timed.
 */
@Timeout(30)
class WhatTimeoutAndHedgeCoverTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeClock clock = new FakeClock();
  private final CountDownLatch headersSent = new CountDownLatch(1);
  private final CountDownLatch finishBody = new CountDownLatch(1);

  /** Sends the headers and half the body at once, the rest when the test says so. */
  private final LoopbackHttpServer.Reply stallingBody = exchange -> {
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write("first half ".getBytes(StandardCharsets.UTF_8));
      out.flush();
      headersSent.countDown();
      finishBody.await(BOUND.toSeconds(), TimeUnit.SECONDS);
      out.write("second half".getBytes(StandardCharsets.UTF_8));
    } catch (InterruptedException stopped) {
      Thread.currentThread().interrupt();
    } catch (IOException aborted) {
      // The client gave up on this exchange.
    }
  };

  @AfterEach
  void releaseTheServer() {
    finishBody.countDown();
  }

  private ResilientHttpClient timedOut() {
    return ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        .timeout(dev.tailguard.Timeout.of(Duration.ofMillis(300))).build();
  }

  @Test
  void bufferingHandler_theTimeoutCoversTheWholeBody() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(stallingBody)) {
      CompletableFuture<HttpResponse<String>> call = timedOut().sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      headersSent.await(BOUND.toSeconds(), TimeUnit.SECONDS);
      Eventually.holds(() -> clock.pendingTasks() == 1, BOUND);

      clock.advance(Duration.ofMillis(300));

      ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> call.get(BOUND.toSeconds(), TimeUnit.SECONDS));
      assertThat(failed.getCause()).isInstanceOf(TailguardHttpException.class).hasRootCauseInstanceOf(AttemptTimeoutException.class);
      finishBody.countDown();
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void streamingHandler_theTimeoutCoversOnlyTheHeaders() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(stallingBody)) {
      HttpResponse<InputStream> response = timedOut().sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofInputStream())
          .get(BOUND.toSeconds(), TimeUnit.SECONDS);

      Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
      clock.advance(Duration.ofSeconds(5));
      finishBody.countDown();
      try (InputStream body = response.body()) {
        assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("first half second half");
      }
    }
  }

  @Test
  void bufferingHandler_aHedgeGoesOutWhileTheFirstBodyIsStillArriving() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(stallingBody, LoopbackHttpServer.status(200, "hedge"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
          .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build()).build();
      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      headersSent.await(BOUND.toSeconds(), TimeUnit.SECONDS);
      Eventually.holds(() -> clock.pendingTasks() == 1, BOUND);

      clock.advance(Duration.ofMillis(50));

      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("hedge");
      finishBody.countDown();
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void streamingHandler_noHedgeOnceTheHeadersHaveArrived() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(stallingBody, LoopbackHttpServer.status(200, "hedge"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
          .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build()).build();

      HttpResponse<InputStream> response = client.sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofInputStream())
          .get(BOUND.toSeconds(), TimeUnit.SECONDS);

      Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
      finishBody.countDown();
      try (InputStream body = response.body()) {
        assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("first half second half");
      }
      assertThat(server.received()).hasSize(1);
    }
  }
}
