package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.event.RetryScheduledEvent;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What one call does around its attempts ({@link HttpCall}), on real servers on 127.0.0.1: where a
 * one-shot body is read, which attempt's body is held, the attempt-count header, key-in-use
 * bounds, and how abandoned attempts are ended and released.
 */
@Timeout(30)
class HttpCallTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private static ResilientHttpClient.Builder retrying(HttpClient jdk, int attempts) {
    return ResilientHttpClient.builder().client(jdk)
        .retry(RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.fixed(Duration.ofMillis(1))).build());
  }

  @Test
  void anAsyncCallsOneShotBody_isReadOnTheDelegatesExecutor_andKeepsTheRequestsHeaders() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor(task -> new Thread(task, "delegate-executor"));
    AtomicReference<String> readOn = new AtomicReference<>();
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(200, "ok"))) {
      HttpClient jdk = HttpClient.newBuilder().executor(executor).build();
      HttpRequest put = HttpRequest.newBuilder(server.uri("/upload")).header("X-Trace", "t-1")
          .PUT(BodyPublishers.ofInputStream(() -> {
            readOn.set(Thread.currentThread().getName());
            return new ByteArrayInputStream("payload".getBytes(StandardCharsets.UTF_8));
          })).build();

      HttpResponse<String> response = retrying(jdk, 2).build().sendAsync(put, BodyHandlers.ofString())
          .get(BOUND.toSeconds(), TimeUnit.SECONDS);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(readOn.get()).as("sendAsync does not read a one-shot body on the caller's thread")
          .isEqualTo("delegate-executor");
      assertThat(server.received()).singleElement().satisfies(received -> {
        assertThat(new String(received.body(), StandardCharsets.UTF_8)).isEqualTo("payload");
        assertThat(received.header("X-Trace")).as("the buffered copy keeps the headers").isEqualTo("t-1");
      });
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void theLastAttemptsRetryableAnswer_reachesTheCallerWhole_evenOverTheDrainLimit() throws Exception {
    String first = "a".repeat(200);
    String last = "b".repeat(200);
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, first), status(503, last))) {
      HttpResponse<String> response = retrying(HttpClient.newHttpClient(), 2).maxDrainBytes(16).build()
          .send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).as("only attempts that may be retried are capped").isEqualTo(last);
      assertThat(server.received()).hasSize(2);
      assertThat(server.awaitNoOpenExchanges(BOUND)).isZero();
    }
  }

  @Test
  void anAttemptCountHeaderTheCallerSet_isReplacedOnEveryAttempt() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(200, "ok"))) {
      ResilientHttpClient client = retrying(HttpClient.newHttpClient(), 2).attemptCountHeader("X-Attempt").build();

      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(server.uri("/")).header("X-Attempt", "7").build(), BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(server.received()).extracting(received -> received.headers().entrySet().stream()
              .filter(e -> e.getKey().equalsIgnoreCase("X-Attempt")).findFirst().orElseThrow().getValue())
          .containsExactly(List.of("0"), List.of("1"));
    }
  }

  @Test
  void aRetriedAnswerIsSummarisedByItsStatusInTheRetryEvent() throws Exception {
    List<RetryScheduledEvent> events = new CopyOnWriteArrayList<>();
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(200, "ok"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(HttpClient.newHttpClient())
          .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(1))).onRetry(events::add).build())
          .build();

      client.send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());

      assertThat(events).singleElement().satisfies(event -> assertThat(event.resultSummary()).contains("HTTP 503"));
    }
  }

  private static LoopbackHttpServer.Reply keyInUse(int bodyBytes, boolean declareLength) {
    return exchange -> {
      String json = "{\"type\":\"" + KeyInUse.PROBLEM_TYPE + "\"}";
      byte[] body = (json + " ".repeat(bodyBytes - json.length())).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
      exchange.getResponseHeaders().add("Retry-After", "0");
      exchange.sendResponseHeaders(409, declareLength ? body.length : 0);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    };
  }

  private static HttpResponse<String> keyedPostThroughRetries(LoopbackHttpServer server) throws Exception {
    HttpRequest keyed = HttpRequest.newBuilder(server.uri("/orders")).header("Idempotency-Key", Idempotency.newKey())
        .POST(BodyPublishers.ofString("{}")).build();
    return retrying(HttpClient.newHttpClient(), 2).build().send(keyed, BodyHandlers.ofString());
  }

  @Test
  void aKeyInUseAnswerOfExactlyTheMaximumDeclaredLength_isRetried() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(keyInUse(KeyInUse.MAX_BODY_BYTES, true), status(201, "order"))) {
      HttpResponse<String> response = keyedPostThroughRetries(server);

      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(server.received()).hasSize(2);
    }
  }

  @Test
  void aKeyInUseAnswerOverTheMaximumOrWithoutADeclaredLength_isReturnedAsItCame() throws Exception {
    for (boolean declared : new boolean[] {true, false}) {
      int bytes = declared ? KeyInUse.MAX_BODY_BYTES + 1 : 100;
      try (LoopbackHttpServer server = new LoopbackHttpServer(keyInUse(bytes, declared), status(201, "order"))) {
        HttpResponse<String> response = keyedPostThroughRetries(server);

        assertThat(response.statusCode()).as("declared length: %s", declared).isEqualTo(409);
        assertThat(response.body()).hasSize(bytes).contains(KeyInUse.PROBLEM_TYPE);
        assertThat(server.received()).hasSize(1);
      }
    }
  }

  /**
   * A loopback HTTP/1.1 server on raw sockets, one thread per connection: connection 0 gets
   * {@code primaryHead} (possibly nothing) and is then held until the client closes it; every
   * later connection gets {@code 200 fast}.
   */
  private static final class HeldPrimaryServer implements AutoCloseable {
    final CountDownLatch primaryArrived = new CountDownLatch(1);
    final CountDownLatch primaryClosedByClient = new CountDownLatch(1);
    private final ServerSocket socket;
    private final ExecutorService connections = Executors.newCachedThreadPool();
    private final AtomicInteger accepted = new AtomicInteger();
    private final String primaryHead;

    HeldPrimaryServer(String primaryHead) throws IOException {
      this.primaryHead = primaryHead;
      socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
      connections.execute(this::accept);
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          int n = accepted.getAndIncrement();
          connections.execute(() -> serve(connection, n));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket connection, int n) {
      try (connection) {
        InputStream in = connection.getInputStream();
        readHead(in);
        OutputStream out = connection.getOutputStream();
        if (n > 0) {
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfast".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          return;
        }
        out.write(primaryHead.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        primaryArrived.countDown();
        // The client sends nothing more on this connection: the read ends only when it closes it.
        in.read();
        primaryClosedByClient.countDown();
      } catch (IOException closed) {
        if (n == 0) {
          primaryClosedByClient.countDown();
        }
      }
    }

    private static void readHead(InputStream in) throws IOException {
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed");
        }
        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
    }

    @Override
    public void close() throws IOException {
      socket.close();
      connections.shutdownNow();
    }
  }

  private static ResilientHttpClient hedgingWithoutResets(HttpClient jdk, FakeClock clock) {
    return ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock).maxStreamResetsPerSecond(0)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(2).build()).build();
  }

  @Test
  void anHttp11LoserWithoutHeaders_isClosedAtOnce_whateverTheStreamResetBudget() throws Exception {
    FakeClock clock = new FakeClock();
    try (HeldPrimaryServer server = new HeldPrimaryServer("")) {
      ResilientHttpClient client = hedgingWithoutResets(
          HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), clock);

      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri()).build(),
          BodyHandlers.ofString());
      assertThat(server.primaryArrived.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      clock.advance(Duration.ofMillis(50));

      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("fast");
      assertThat(server.primaryClosedByClient.await(BOUND.toSeconds(), TimeUnit.SECONDS))
          .as("an HTTP/1.1 loser costs no stream reset: it is closed, not drained").isTrue();
      clock.assertNoPendingTasks();
    }
  }

  @Test
  void aLoserWhoseHeadSaysHttp11_isClosedAtOnce_evenFromAClientThatMaySpeakHttp2() throws Exception {
    FakeClock clock = new FakeClock();
    CountDownLatch primaryHeadSeen = new CountDownLatch(1);
    BodyHandler<String> handler = info -> {
      if (info.headers().firstValue("X-Primary").isPresent()) {
        primaryHeadSeen.countDown();
      }
      return BodyHandlers.ofString().apply(info);
    };
    try (HeldPrimaryServer server = new HeldPrimaryServer(
        "HTTP/1.1 200 OK\r\nX-Primary: yes\r\nContent-Length: 1000000\r\n\r\nslow")) {
      ResilientHttpClient client = hedgingWithoutResets(HttpClient.newHttpClient(), clock);

      CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(server.uri()).build(), handler);
      assertThat(primaryHeadSeen.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      clock.advance(Duration.ofMillis(50));

      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("fast");
      assertThat(server.primaryClosedByClient.await(BOUND.toSeconds(), TimeUnit.SECONDS))
          .as("the head said HTTP/1.1, so the loser is closed rather than drained as an HTTP/2 stream").isTrue();
      clock.assertNoPendingTasks();
    }
  }

  @Test
  void aResponseArrivingAfterItsAttemptWasAbandonedAndDrained_isReleased() throws Exception {
    FakeClock clock = new FakeClock();
    ScriptedHttpClient scripted = new ScriptedHttpClient().hang().respond(200);
    ResilientHttpClient client = hedgingWithoutResets(scripted, clock);
    HttpRequest overHttp2 = HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/")).version(HttpClient.Version.HTTP_2)
        .build();

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(overHttp2, BodyHandlers.ofString());
    clock.advance(Duration.ofMillis(50));
    assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("status 200");
    // No reset token: the loser is drained, not cancelled, and may still answer.
    assertThat(scripted.futures.get(0)).isNotDone();
    AtomicBoolean closed = new AtomicBoolean();
    InputStream lateBody = new ByteArrayInputStream(new byte[8]) {
      @Override
      public void close() {
        closed.set(true);
      }
    };
    @SuppressWarnings("unchecked")
    CompletableFuture<HttpResponse<InputStream>> loser = (CompletableFuture<HttpResponse<InputStream>>) scripted.futures.get(0);
    loser.complete(ScriptedHttpClient.response(scripted.sent.get(0), 200, lateBody));

    Eventually.holds(closed::get, BOUND);
    assertThat(closed).as("the late answer's stream is closed, not leaked").isTrue();
    assertThat(clock.pendingTasks()).as("its drain timer went with it").isZero();
  }

  @Test
  void aPushPromiseHandlerReachesTheClientThatSendsEachAttempt() throws Exception {
    ScriptedHttpClient scripted = new ScriptedHttpClient().respond(200);
    HttpResponse.PushPromiseHandler<String> pushes = (initiating, pushed, acceptor) -> {};

    HttpResponse<String> response = ResilientHttpClient.builder().client(scripted).build()
        .sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/")).build(), BodyHandlers.ofString(), pushes)
        .get(BOUND.toSeconds(), TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(scripted.pushPromiseHandlers).containsExactly(pushes);
  }
  @Test
  void aHeldBodyOfExactlyTheDrainLimit_reachesTheCallerWhenTheRetryIsRefused() throws Exception {
    String sixteen = "0123456789abcdef";
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, sixteen), status(200, "not asked"))) {
      ResilientHttpClient client = ResilientHttpClient.builder().client(HttpClient.newHttpClient()).maxDrainBytes(16)
          .retry(RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none()).admission(attempt -> false).build()).build();

      HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).as("held, not overflowed, then handed over").isEqualTo(sixteen);
      assertThat(server.received()).hasSize(1);
    }
  }

  @Test
  void aRetryableAnswerOverTheDrainLimit_isAbortedNotReadToItsEnd() throws Exception {
    CountDownLatch aborted = new CountDownLatch(1);
    LoopbackHttpServer.Reply endless = exchange -> {
      // Far more than any test could read: only the client's abort ends this answer.
      exchange.sendResponseHeaders(503, 1L << 40);
      byte[] chunk = new byte[64 * 1024];
      try (OutputStream out = exchange.getResponseBody()) {
        while (true) {
          out.write(chunk);
        }
      } catch (IOException closedByClient) {
        aborted.countDown();
      }
    };
    try (LoopbackHttpServer server = new LoopbackHttpServer(endless, status(200, "ok"))) {
      HttpResponse<String> response = retrying(HttpClient.newHttpClient(), 2).maxDrainBytes(1024).build()
          .send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());

      assertThat(response.body()).isEqualTo("ok");
      assertThat(aborted.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the 503's exchange was aborted").isTrue();
    }
  }
}
