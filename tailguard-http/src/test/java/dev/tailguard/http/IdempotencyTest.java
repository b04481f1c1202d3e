package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class IdempotencyTest {
  private static final URI URI_ = URI.create("http://127.0.0.1/orders");

  @Test
  void onlyIdempotentMethodsOrKeyedRequestsAreRetrySafe() {
    assertThat(Idempotency.isRetrySafe(HttpRequest.newBuilder(URI_).GET().build())).isTrue();
    assertThat(Idempotency.isRetrySafe(HttpRequest.newBuilder(URI_).PUT(HttpRequest.BodyPublishers.noBody()).build())).isTrue();
    assertThat(Idempotency.isRetrySafe(HttpRequest.newBuilder(URI_).DELETE().build())).isTrue();
    assertThat(Idempotency.isRetrySafe(HttpRequest.newBuilder(URI_).POST(HttpRequest.BodyPublishers.ofString("{}")).build())).isFalse();
    assertThat(Idempotency.isRetrySafe(HttpRequest.newBuilder(URI_).method("PATCH", HttpRequest.BodyPublishers.noBody()).build())).isFalse();
    assertThat(Idempotency.isRetrySafe(HttpRequest.newBuilder(URI_).header("Idempotency-Key", "\"k1\"")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build())).isTrue();
  }

  @Test
  void addsAQuotedKeyToPostAndPatchAndKeepsEverythingElse() {
    HttpRequest post = HttpRequest.newBuilder(URI_).header("X-Trace", "abc").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    HttpRequest keyed = Idempotency.withKey(post);
    String key = keyed.headers().firstValue("Idempotency-Key").orElseThrow();
    assertThat(key).matches("\"[0-9a-f-]{36}\"");
    assertThat(keyed.headers().firstValue("X-Trace")).contains("abc");
    assertThat(keyed.bodyPublisher()).isEqualTo(post.bodyPublisher());
    assertThat(Idempotency.isRetrySafe(keyed)).isTrue();
  }

  @Test
  void neverReplacesTheCallersKey_stripePhp637() {
    HttpRequest post = HttpRequest.newBuilder(URI_).header("Idempotency-Key", "\"mine\"").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    assertThat(Idempotency.withKey(post)).isSameAs(post);
    assertThat(Idempotency.withKey(post).headers().allValues("Idempotency-Key")).containsExactly("\"mine\"");
  }

  @Test
  void leavesIdempotentRequestsAlone() {
    HttpRequest get = HttpRequest.newBuilder(URI_).GET().build();
    assertThat(Idempotency.withKey(get)).isSameAs(get);
  }

  @Test
  void keysAreUnique() {
    assertThat(Idempotency.newKey()).isNotEqualTo(Idempotency.newKey());
  }
}
