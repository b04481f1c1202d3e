package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 4 on OkHttp: of two {@code Retry-After} headers (5, then 10) the first counts, as
 * on the JDK adapter. OkHttp's {@code Response.header} returns the last, which the adapter used
 * before (fails on ad377ba: the retry waited 10 s).
 */
@Timeout(30)
class OkHttpRepeatedRetryAfterTest {
  @Test
  void twoRetryAfterHeaders_fiveThenTen_theFirstCounts() throws Exception {
    FakeClock clock = new FakeClock();
    List<Duration> waits = new CopyOnWriteArrayList<>();
    try (MockWebServer server = new MockWebServer()) {
      server.start(java.net.InetAddress.getLoopbackAddress(), 0);
      server.enqueue(new MockResponse().setResponseCode(503).addHeader("Retry-After", "5").addHeader("Retry-After", "10"));
      server.enqueue(new MockResponse().setBody("done"));
      RetryPolicy retry = RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(100)))
          .onRetry(event -> waits.add(event.delay())).build();
      OkHttpClient client = TailguardOkHttp.wrap(new OkHttpClient(),
          TailguardInterceptor.builder().clock(clock).scheduler(clock).retry(retry).build());

      String body = FakeTimeDriver.drive(clock, () -> {
        try (Response response = client.newCall(new Request.Builder().url(server.url("/")).build()).execute()) {
          return response.body().string();
        }
      });
      assertThat(body).isEqualTo("done");
      assertThat(waits).as("the delay the first of two Retry-After headers asks for").containsExactly(Duration.ofSeconds(5));
    }
  }
}
