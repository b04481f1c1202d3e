package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.FakeClock;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 4: two {@code Retry-After} headers (5, then 10) mean 5 seconds: the first value
 * counts, on both adapters ({@link HttpServerHints#fromHeaderValues}).
 */
@Timeout(30)
class RepeatedRetryAfterTest {

  @Test
  void twoRetryAfterHeaders_theFirstOneSetsTheDelay() throws Exception {
    LoopbackHttpServer.Reply twoHints = exchange -> {
      exchange.getResponseHeaders().add("Retry-After", "5");
      exchange.getResponseHeaders().add("Retry-After", "10");
      exchange.sendResponseHeaders(503, -1);
      exchange.getResponseBody().close();
    };
    FakeClock clock = new FakeClock();
    try (LoopbackHttpServer server = new LoopbackHttpServer(twoHints, LoopbackHttpServer.status(200, "ok"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(HttpClient.newHttpClient()).clock(clock).scheduler(clock)
          .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(100))).build()).build();

      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (clock.pendingTasks() == 0 && !call.isDone() && System.nanoTime() < bound) {
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
      assertThat(clock.nextTaskDelay()).contains(Duration.ofSeconds(5));
      clock.advance(Duration.ofSeconds(5));

      assertThat(call.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(server.received()).hasSize(2);
      clock.assertNoPendingTasks();
    }
  }

  @Test
  void sharedRule_readsTheFirstValueOfEachHeaderEvenWhenItIsNotValid() {
    Clock wall = Clock.systemUTC();
    Map<String, List<String>> twoHints = Map.of("Retry-After", List.of("5", "10"));
    Map<String, List<String>> garbageFirst = Map.of("Retry-After", List.of("soon", "10"), "RateLimit-Reset", List.of("3", "7"));

    assertThat(HttpServerHints.fromHeaderValues(twoHints::get, wall)).contains(Duration.ofSeconds(5));
    assertThat(HttpServerHints.fromHeaderValues(garbageFirst::get, wall)).contains(Duration.ofSeconds(3));
    assertThat(HttpServerHints.fromHeaderValues(name -> List.of(), wall)).isEmpty();
    assertThat(HttpServerHints.firstValue(List.of("a", "b"))).isEqualTo("a");
    assertThat(HttpServerHints.firstValue(null)).isNull();
  }
}
