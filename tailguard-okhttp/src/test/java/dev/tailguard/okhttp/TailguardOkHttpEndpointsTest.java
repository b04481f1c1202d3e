package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.http.HttpResilience;
import dev.tailguard.http.TailguardHttpException;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TailguardOkHttpEndpoints}: {@link HttpResilience} on OkHttp, a breaker per endpoint, on 127.0.0.1. */
@Timeout(60)
class TailguardOkHttpEndpointsTest {
  private final MockWebServer failing = new MockWebServer();
  private final MockWebServer healthy = new MockWebServer();
  private OkHttpClient base;

  @BeforeEach
  void start() throws IOException {
    failing.start(InetAddress.getLoopbackAddress(), 0);
    healthy.start(InetAddress.getLoopbackAddress(), 0);
    base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stop() throws IOException {
    failing.shutdown();
    healthy.shutdown();
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
  }

  @Test
  void standardRetriesA503WithRetryAfterAndSendsAKeylessPostOnce() throws Exception {
    OkHttpClient client = TailguardOkHttpEndpoints.wrap(base, HttpResilience.standard().build());
    healthy.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "0").setBody("busy"));
    healthy.enqueue(new MockResponse().setBody("ok"));
    try (Response response = client.newCall(new Request.Builder().url(healthy.url("/a")).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("ok");
    }
    assertThat(healthy.getRequestCount()).isEqualTo(2);

    healthy.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "0"));
    healthy.enqueue(new MockResponse().setBody("second"));
    Request post = new Request.Builder().url(healthy.url("/pay"))
        .post(RequestBody.create("{}", MediaType.get("application/json"))).build();
    try (Response response = client.newCall(post).execute()) {
      assertThat(response.code()).isEqualTo(503);
    }
    assertThat(healthy.getRequestCount()).isEqualTo(3);
  }

  @Test
  void aFailingEndpointOpensItsOwnBreakerOnly() throws Exception {
    HttpResilience resilience = HttpResilience.standard().maxAttempts(1).breaker(b -> b.minimumCalls(3).countWindow(3)).build();
    OkHttpClient client = TailguardOkHttpEndpoints.wrap(base, resilience);
    for (int i = 0; i < 3; i++) {
      failing.enqueue(new MockResponse().setResponseCode(503));
      try (Response response = client.newCall(new Request.Builder().url(failing.url("/x")).build()).execute()) {
        assertThat(response.code()).isEqualTo(503);
      }
    }
    assertThat(resilience.endpoint(failing.url("/").uri()).breaker().state()).isEqualTo(CircuitState.OPEN);
    assertThatThrownBy(() -> client.newCall(new Request.Builder().url(failing.url("/x")).build()).execute())
        .isInstanceOf(TailguardHttpException.class).hasCauseInstanceOf(CircuitOpenException.class);
    assertThat(failing.getRequestCount()).isEqualTo(3);

    healthy.enqueue(new MockResponse().setBody("fine"));
    try (Response response = client.newCall(new Request.Builder().url(healthy.url("/y")).build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(resilience.endpoint(healthy.url("/").uri()).breaker().state()).isEqualTo(CircuitState.CLOSED);
  }
}
