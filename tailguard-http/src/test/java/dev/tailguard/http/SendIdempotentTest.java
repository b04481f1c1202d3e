package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "What may be sent twice": a keyless POST is retried only through {@code sendIdempotent}
 * (the caller's word, per call), and then without an automatic key; {@code send} sends it once.
 */
@Timeout(30)
class SendIdempotentTest {
  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ResilientHttpClient retrying() {
    return ResilientHttpClient.builder().client(jdk)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(1))).build()).build();
  }

  private static HttpRequest keylessPost(LoopbackHttpServer server) {
    return HttpRequest.newBuilder(server.uri("/orders")).POST(BodyPublishers.ofString("item=1")).build();
  }

  @Test
  void keylessPostThroughSendIdempotent_isRetriedLikeAGet_withoutAKey() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(503, "busy"), status(201, "created"))) {
      assertThat(retrying().sendIdempotent(keylessPost(server), BodyHandlers.ofString()).statusCode()).isEqualTo(201);

      assertThat(server.received()).hasSize(3);
      assertThat(server.received()).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("Idempotency-key"));
    }
  }

  @Test
  void theSameRequestThroughSend_isSentOnce() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(201, "created"))) {
      assertThat(retrying().send(keylessPost(server), BodyHandlers.ofString()).statusCode()).isEqualTo(503);

      assertThat(server.received()).hasSize(1);
    }
  }
}
