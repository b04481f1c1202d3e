package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 2: with default settings a POST or PATCH without the caller's own key reaches the
 * server once, whatever retries or hedges are configured; the automatic key is only for callers
 * who said the server honours it.
 */
@Timeout(30)
class DefaultsNeverSendAPostTwiceTest {
  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static ResilientHttpClient.Builder retrying() {
    return ResilientHttpClient.builder()
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(1))).build());
  }

  @Test
  void keylessPostAnswered503_isReturnedAfterOneRequestAndGetsNoKey() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy", "Retry-After", "0"), status(201, "made"))) {
      HttpResponse<String> response = retrying().client(jdk).build()
          .send(HttpRequest.newBuilder(server.uri("/orders")).POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(server.received()).singleElement().satisfies(r -> assertThat(r.header("Idempotency-Key")).isNull());
    }
  }

  @Test
  void keylessPatchResetAfterItWasSent_isNotResent() throws Exception {
    try (RawHttpServer server = new RawHttpServer(RawHttpServer.Action.RESET_AFTER_REQUEST, RawHttpServer.Action.OK)) {
      ResilientHttpClient client = retrying().client(jdk).build();
      HttpRequest patch = HttpRequest.newBuilder(server.uri("/orders/1")).method("PATCH", BodyPublishers.ofString("{}")).build();

      assertThatThrownBy(() -> client.send(patch, BodyHandlers.ofString())).isInstanceOf(NotRetriedException.class);
      assertThat(server.received()).hasSize(1);
    }
  }

  @Test
  void keylessPostUnderHedging_isNeverHedged() throws Exception {
    LoopbackHttpServer.Reply slow = exchange -> {
      try {
        TimeUnit.MILLISECONDS.sleep(300);
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      }
      status(201, "made").handle(exchange);
    };
    try (LoopbackHttpServer server = new LoopbackHttpServer(slow)) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
          .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3).build()).build();

      HttpResponse<String> response = client.post(server.uri("/orders"), "application/json", "{}".getBytes());

      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(server.received()).singleElement().satisfies(r -> assertThat(r.header("Idempotency-Key")).isNull());
    }
  }

  @Test
  void postWithTheCallersOwnKey_isStillRetriedByDefault() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, ""), status(201, "made"))) {
      HttpRequest post = HttpRequest.newBuilder(server.uri("/orders")).header("Idempotency-Key", "\"order-7\"")
          .POST(BodyPublishers.ofString("{}")).build();

      HttpResponse<String> response = retrying().client(jdk).build().send(post, BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(server.received()).hasSize(2);
    }
  }

  @Test
  void deprecatedAutoIdempotencyKeyIsAnAliasOfServerHonoursIdempotencyKey() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, ""), status(201, "made"))) {
      @SuppressWarnings("deprecation")
      ResilientHttpClient client = retrying().client(jdk).autoIdempotencyKey(true).build();

      HttpResponse<String> response = client.post(server.uri("/orders"), "application/json", "{}".getBytes());

      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(server.received()).hasSize(2).extracting(r -> r.header("Idempotency-Key")).doesNotContainNull();
    }
  }
}
