package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP method names are case-sensitive (RFC 9110 §9.1): a server may give {@code delete} a meaning
 * of its own, so Tailguard treats it as an unknown method, sent once, never as DELETE.
 */
@Timeout(30)
class MethodNamesAreCaseSensitiveTest {
  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void lowercaseDeleteAnswered503_isAnUnknownMethodAndReachesTheServerOnce() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(200, "done"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
          .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(1))).build()).build();

      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(server.uri("/items/1")).method("delete", BodyPublishers.noBody()).build(), BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(server.received()).singleElement().satisfies(r -> assertThat(r.method()).isEqualTo("delete"));
    }
  }

  @Test
  void onlyTheRegisteredSpellingsAreIdempotent() {
    assertThat(Idempotency.isIdempotentMethod("GET")).isTrue();
    assertThat(Idempotency.isIdempotentMethod("get")).isFalse();
    assertThat(Idempotency.isIdempotentMethod("Put")).isFalse();
  }
}
