package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 9 on the JDK adapter: a 429 or 503 with {@code Retry-After} on a hedge attempt
 * postpones the next hedge by the hint, and stops hedging when the hint lies past the deadline.
 * The first test fails on ad377ba, the commit before core's hedge server hints (a third request
 * went out at once after the 429).
 */
@Timeout(30)
class HedgeServerHintTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeClock clock = new FakeClock();
  private final CountDownLatch release = new CountDownLatch(1);

  private LoopbackHttpServer.Reply slowOk() {
    return exchange -> {
      try {
        release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      }
      status(200, "slow but fine").handle(exchange);
    };
  }

  private ResilientHttpClient hedging(HedgePolicy.Builder policy) {
    return ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock).hedge(policy.build()).build();
  }

  @Test
  void hedgeAnswered429RetryAfter1_theNextHedgeWaitsOneSecond() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(slowOk(), status(429, "slow down", "Retry-After", "1"))) {
      ResilientHttpClient client = hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3));

      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      Eventually.holds(() -> server.received().size() == 1 && clock.pendingTasks() == 1, BOUND);
      clock.advance(Duration.ofMillis(10));
      Eventually.holds(() -> clock.nextTaskDelay().equals(Optional.of(Duration.ofSeconds(1))), BOUND);

      assertThat(clock.pendingTasks()).isEqualTo(1);
      assertThat(server.received()).as("no third request before the hint has passed").hasSize(2);
      release.countDown();
      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("slow but fine");
      assertThat(server.received()).hasSize(2);
      Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
    }
  }

  @Test
  void hedgeAnswered503WithAHintPastTheDeadline_stopsHedgingAndTheOriginalStillWins() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(slowOk(), status(503, "", "Retry-After", "30"))) {
      ResilientHttpClient client = hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3)
          .deadline(Duration.ofSeconds(5)));

      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      Eventually.holds(() -> server.received().size() == 1 && clock.pendingTasks() == 2, BOUND);
      clock.advance(Duration.ofMillis(10));
      // Left: only the deadline's timer, 5 s after the start; no hedge timer.
      Eventually.holds(() -> clock.pendingTasks() == 1 && server.received().size() == 2, BOUND);
      Eventually.holds(() -> clock.nextTaskDelay().equals(Optional.of(Duration.ofMillis(4990))), BOUND);

      clock.advance(Duration.ofSeconds(2));
      assertThat(server.received()).as("no hedge after a hint past the deadline").hasSize(2);
      release.countDown();
      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("slow but fine");
      Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
    }
  }

  @Test
  void attemptCountHeader_countsTheHedgesToo() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(slowOk(), status(200, "hedge"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
          .attemptCountHeader("Tailguard-Previous-Attempts")
          .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build()).build();

      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      Eventually.holds(() -> server.received().size() == 1 && clock.pendingTasks() == 1, BOUND);
      clock.advance(Duration.ofMillis(10));

      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("hedge");
      assertThat(server.received()).extracting(r -> r.header("Tailguard-Previous-Attempts")).containsExactly("0", "1");
      release.countDown();
    }
  }
}
