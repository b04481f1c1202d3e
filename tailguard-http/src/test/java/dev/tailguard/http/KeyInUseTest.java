package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 3: a keyed POST retried or hedged against Tailguard's own {@link
 * IdempotencyFilter} while its first attempt still runs gets the filter's 409 "key in use"; the
 * client waits the {@code Retry-After} and asks again, so the caller gets the real answer, and
 * the handler runs once. Every other 409 is returned as it was.
 */
@Timeout(30)
class KeyInUseTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final HttpClient jdk = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeClock clock = new FakeClock();
  private GuardedOrdersServer server;

  @BeforeEach
  void startGuardedServer() throws IOException {
    server = new GuardedOrdersServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private URI orders() {
    return server.orders();
  }

  private HttpRequest keyedPost() {
    return HttpRequest.newBuilder(orders()).header("Idempotency-Key", Idempotency.newKey())
        .POST(BodyPublishers.ofString("{\"sku\":42}")).build();
  }

  private Optional<Duration> awaitOnlyTimer() {
    Eventually.holds(() -> clock.pendingTasks() == 1, BOUND);
    return clock.nextTaskDelay();
  }

  @Test
  void hedgeAnsweredKeyInUse_waitsTheHintAndTheOriginalsAnswerWins() throws Exception {
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(3).build()).build();

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(keyedPost(), BodyHandlers.ofString());
    GuardedOrdersServer.await(server.firstEntered);
    assertThat(awaitOnlyTimer()).contains(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(50));
    Eventually.holds(() -> server.inUseAnswers.get() == 1 || call.isDone(), BOUND);
    Eventually.holds(() -> clock.nextTaskDelay().equals(Optional.of(Duration.ofSeconds(1))) || call.isDone(), BOUND);

    assertThat(call).as("the 409 is not the caller's answer").isNotDone();
    assertThat(awaitOnlyTimer()).as("the next hedge waits the filter's Retry-After").contains(Duration.ofSeconds(1));
    server.releaseFirst.countDown();

    HttpResponse<String> response = call.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body()).isEqualTo("order 1");
    assertThat(server.handlerRuns).hasValue(1);
    assertThat(server.requests).hasValue(2);
    Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
  }

  @Test
  void retryAfterATimeoutAnsweredKeyInUse_waitsTheHintAndGetsTheStoredAnswer() throws Exception {
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ofMillis(100))).build())
        .timeout(dev.tailguard.Timeout.of(Duration.ofMillis(200))).build();

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(keyedPost(), BodyHandlers.ofString());
    GuardedOrdersServer.await(server.firstEntered);
    assertThat(awaitOnlyTimer()).as("attempt 1's timeout").contains(Duration.ofMillis(200));
    clock.advance(Duration.ofMillis(200));
    assertThat(awaitOnlyTimer()).as("the backoff").contains(Duration.ofMillis(100));
    clock.advance(Duration.ofMillis(100));
    Eventually.holds(() -> server.inUseAnswers.get() == 1 || call.isDone(), BOUND);
    Eventually.holds(() -> clock.nextTaskDelay().equals(Optional.of(Duration.ofSeconds(1))) || call.isDone(), BOUND);

    assertThat(call).as("the 409 is not the caller's answer").isNotDone();
    assertThat(awaitOnlyTimer()).as("the retry waits the filter's Retry-After").contains(Duration.ofSeconds(1));
    server.releaseFirst.countDown();
    GuardedOrdersServer.await(server.firstStored);
    clock.advance(Duration.ofSeconds(1));

    HttpResponse<String> response = call.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body()).as("the first attempt's stored answer, replayed").isEqualTo("order 1");
    assertThat(server.handlerRuns).hasValue(1);
    assertThat(server.requests).hasValue(3);
    Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
  }

  @Test
  void keyInUseUntilRetriesRunOut_returnsTheLast409WithItsBodyIntact() throws Exception {
    String problem = "{\"type\":\"" + KeyInUse.PROBLEM_TYPE + "\",\"title\":\"busy\",\"status\":409}";
    try (LoopbackHttpServer busy = new LoopbackHttpServer(
        status(409, problem, "Content-Type", "application/problem+json", "Retry-After", "1"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
          .retry(RetryPolicy.builder().maxAttempts(2).maxServerDelay(Duration.ofMillis(1)).build()).build();
      HttpRequest post = HttpRequest.newBuilder(busy.uri("/orders")).header("Idempotency-Key", Idempotency.newKey())
          .POST(BodyPublishers.ofString("{}")).build();

      HttpResponse<String> response = client.send(post, BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(409);
      assertThat(response.body()).isEqualTo(problem);
      assertThat(busy.received()).hasSize(2);
    }
  }

  @Test
  void other409s_andKeyInUseOnARequestWithoutAKey_areReturnedAfterOneRequest() throws Exception {
    String otherProblem = "{\"type\":\"https://example.test/problems/conflict\",\"status\":409}";
    String inUse = "{\"type\":\"" + KeyInUse.PROBLEM_TYPE + "\",\"status\":409}";
    LoopbackHttpServer.Reply[] replies = {
        status(409, otherProblem, "Content-Type", "application/problem+json", "Retry-After", "1"),
        status(409, inUse, "Content-Type", "text/plain", "Retry-After", "1"),
        status(409, "conflict", "Retry-After", "1"),
    };
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
        .retry(RetryPolicy.builder().maxAttempts(3).maxServerDelay(Duration.ofMillis(1)).build()).build();
    for (LoopbackHttpServer.Reply reply : replies) {
      try (LoopbackHttpServer conflict = new LoopbackHttpServer(reply)) {
        HttpRequest post = HttpRequest.newBuilder(conflict.uri("/orders")).header("Idempotency-Key", Idempotency.newKey())
            .POST(BodyPublishers.ofString("{}")).build();

        HttpResponse<String> response = client.send(post, BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(conflict.received()).hasSize(1);
      }
    }
    try (LoopbackHttpServer keyless = new LoopbackHttpServer(
        status(409, inUse, "Content-Type", "application/problem+json", "Retry-After", "1"))) {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(keyless.uri("/orders")).build(), BodyHandlers.ofString());

      assertThat(response.body()).isEqualTo(inUse);
      assertThat(keyless.received()).as("a GET carries no key of its own").hasSize(1);
    }
  }

  @Test
  void sharedRecogniser_looksOnlyAt409ProblemJsonWithTheType() {
    assertThat(KeyInUse.isCandidate(409, "application/problem+json; charset=utf-8", true)).isTrue();
    assertThat(KeyInUse.isCandidate(409, "application/problem+json", false)).isFalse();
    assertThat(KeyInUse.isCandidate(409, "application/json", true)).isFalse();
    assertThat(KeyInUse.isCandidate(503, "application/problem+json", true)).isFalse();
    assertThat(KeyInUse.isKeyInUse(("{\"title\":\"x\", \"type\" : \"" + KeyInUse.PROBLEM_TYPE + "\"}").getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(KeyInUse.isKeyInUse("{\"type\":\"https://tailguard.dev/problems/idempotency-key-reused\"}".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(KeyInUse.isKeyInUse(new byte[0])).isFalse();
  }
}
