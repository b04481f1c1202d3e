package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger handlerRuns = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger inUseAnswers = new AtomicInteger();
  private final CountDownLatch firstEntered = new CountDownLatch(1);
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final CountDownLatch firstStored = new CountDownLatch(1);
  private HttpServer server;

  @BeforeEach
  void startGuardedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(executor);
    HttpContext context = server.createContext("/orders", exchange -> {
      int run = handlerRuns.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      if (run == 1) {
        firstEntered.countDown();
        await(releaseFirst);
      }
      byte[] body = ("order " + run).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    context.getFilters().add(new Filter() {
      @Override
      public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        int n = requests.incrementAndGet();
        try {
          chain.doFilter(exchange);
        } finally {
          if (exchange.getResponseCode() == 409) {
            inUseAnswers.incrementAndGet();
          }
          if (n == 1) {
            firstStored.countDown();
          }
        }
      }

      @Override
      public String description() {
        return "counts requests and 409 answers";
      }
    });
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build();
    context.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> "tenant"));
    server.start();
  }

  @AfterEach
  void stop() {
    releaseFirst.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  private URI orders() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders");
  }

  private HttpRequest keyedPost() {
    return HttpRequest.newBuilder(orders()).header("Idempotency-Key", Idempotency.newKey())
        .POST(BodyPublishers.ofString("{\"sku\":42}")).build();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(BOUND.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException stopped) {
      Thread.currentThread().interrupt();
    }
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
    await(firstEntered);
    assertThat(awaitOnlyTimer()).contains(Duration.ofMillis(50));
    clock.advance(Duration.ofMillis(50));
    Eventually.holds(() -> inUseAnswers.get() == 1 || call.isDone(), BOUND);
    Eventually.holds(() -> clock.nextTaskDelay().equals(Optional.of(Duration.ofSeconds(1))) || call.isDone(), BOUND);

    assertThat(call).as("the 409 is not the caller's answer").isNotDone();
    assertThat(awaitOnlyTimer()).as("the next hedge waits the filter's Retry-After").contains(Duration.ofSeconds(1));
    releaseFirst.countDown();

    HttpResponse<String> response = call.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body()).isEqualTo("order 1");
    assertThat(handlerRuns).hasValue(1);
    assertThat(requests).hasValue(2);
    Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
  }

  @Test
  void retryAfterATimeoutAnsweredKeyInUse_waitsTheHintAndGetsTheStoredAnswer() throws Exception {
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(4).backoff(Backoff.fixed(Duration.ofMillis(100))).build())
        .timeout(dev.tailguard.Timeout.of(Duration.ofMillis(200))).build();

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(keyedPost(), BodyHandlers.ofString());
    await(firstEntered);
    assertThat(awaitOnlyTimer()).as("attempt 1's timeout").contains(Duration.ofMillis(200));
    clock.advance(Duration.ofMillis(200));
    assertThat(awaitOnlyTimer()).as("the backoff").contains(Duration.ofMillis(100));
    clock.advance(Duration.ofMillis(100));
    Eventually.holds(() -> inUseAnswers.get() == 1 || call.isDone(), BOUND);
    Eventually.holds(() -> clock.nextTaskDelay().equals(Optional.of(Duration.ofSeconds(1))) || call.isDone(), BOUND);

    assertThat(call).as("the 409 is not the caller's answer").isNotDone();
    assertThat(awaitOnlyTimer()).as("the retry waits the filter's Retry-After").contains(Duration.ofSeconds(1));
    releaseFirst.countDown();
    await(firstStored);
    clock.advance(Duration.ofSeconds(1));

    HttpResponse<String> response = call.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body()).as("the first attempt's stored answer, replayed").isEqualTo("order 1");
    assertThat(handlerRuns).hasValue(1);
    assertThat(requests).hasValue(3);
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
