package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link IdempotencyFilter} on a real JDK HttpServer on 127.0.0.1. */
class IdempotencyFilterTest {
  private final AtomicInteger handlerRuns = new AtomicInteger();
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private HttpServer server;
  private IdempotencyGuard guard;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(executor);
    HttpContext context = server.createContext("/orders", exchange -> {
      handlerRuns.incrementAndGet();
      byte[] body = ("order " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.getResponseHeaders().add("Set-Cookie", "session=secret");
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build();
    context.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> exchange.getRequestHeaders().getFirst("Tenant")));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private HttpURLConnection send(String method, String tenant, String key, String body) throws IOException {
    URL url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/orders");
    HttpURLConnection connection = (HttpURLConnection) url.openConnection();
    connection.setRequestMethod(method);
    if (tenant != null) {
      connection.setRequestProperty("Tenant", tenant);
    }
    if (key != null) {
      connection.setRequestProperty("Idempotency-Key", key);
    }
    if (body != null) {
      connection.setDoOutput(true);
      connection.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
    connection.getResponseCode();
    return connection;
  }

  private static String body(HttpURLConnection connection) throws IOException {
    try (InputStream in = connection.getResponseCode() < 400 ? connection.getInputStream() : connection.getErrorStream()) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aRetriedPostIsReplayedWithoutRunningTheHandlerAgainAndWithoutCookies() throws IOException {
    HttpURLConnection first = send("POST", "acme", "\"k-1\"", "42");
    assertThat(first.getResponseCode()).isEqualTo(201);
    assertThat(body(first)).isEqualTo("order 42");

    HttpURLConnection retry = send("POST", "acme", "\"k-1\"", "42");
    assertThat(retry.getResponseCode()).isEqualTo(201);
    assertThat(body(retry)).isEqualTo("order 42");
    assertThat(retry.getHeaderField("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.getHeaderField("Set-Cookie")).isNull();
    assertThat(handlerRuns).hasValue(1);
  }

  @Test
  void anotherTenantWithTheSameKeyIsProcessedIndependently() throws IOException {
    send("POST", "acme", "\"k-1\"", "42");
    HttpURLConnection other = send("POST", "globex", "\"k-1\"", "42");
    assertThat(other.getHeaderField("Idempotent-Replayed")).isNull();
    assertThat(handlerRuns).hasValue(2);
  }

  @Test
  void noScopeIs401AndNothingRuns() throws IOException {
    assertThat(send("POST", null, "\"k-1\"", "42").getResponseCode()).isEqualTo(401);
    assertThat(handlerRuns).hasValue(0);
  }

  @Test
  void aMissingOrMalformedKeyIs400ProblemJsonThatNeverEchoesTheKey() throws IOException {
    HttpURLConnection missing = send("POST", "acme", null, "42");
    assertThat(missing.getResponseCode()).isEqualTo(400);
    assertThat(missing.getContentType()).isEqualTo("application/problem+json");
    HttpURLConnection malformed = send("POST", "acme", "not-quoted-secret", "42");
    assertThat(malformed.getResponseCode()).isEqualTo(400);
    assertThat(body(malformed)).doesNotContain("not-quoted-secret");
    assertThat(handlerRuns).hasValue(0);
  }

  @Test
  void aDifferentBodyWithTheSameKeyIs422() throws IOException {
    send("POST", "acme", "\"k-1\"", "42");
    assertThat(send("POST", "acme", "\"k-1\"", "43").getResponseCode()).isEqualTo(422);
    assertThat(handlerRuns).hasValue(1);
  }

  @Test
  void getRequestsPassThroughUnguarded() throws IOException {
    assertThat(send("GET", null, null, null).getResponseCode()).isEqualTo(201);
    assertThat(handlerRuns).hasValue(1);
  }

  /**
   * On JDK 17, closing the response stream after a write that failed because the client had gone
   * marks the exchange closed without closing its connection: a handler that swallows that
   * failure leaks one server socket per client that gave up (the lab's latency server did, once
   * per cancelled hedge). The filter lets the failure reach the server, which closes the socket.
   */
  @Test
  void aClientThatLeavesBeforeTheResponseDoesNotLeakTheServersConnection() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(OPEN_FILES), "open sockets are counted through /proc (Linux)");
    CountDownLatch handlerStarted = new CountDownLatch(1);
    CountDownLatch clientGone = new CountDownLatch(1);
    HttpContext slow = server.createContext("/slow", exchange -> {
      handlerStarted.countDown();
      try {
        clientGone.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException stopping) {
        Thread.currentThread().interrupt();
      }
      byte[] body = "created".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    slow.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> "acme"));

    long whileConnected;
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
      client.getOutputStream().write(("POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: \"gone-1\"\r\n"
          + "Content-Length: 2\r\n\r\n42").getBytes(StandardCharsets.US_ASCII));
      assertThat(handlerStarted.await(5, TimeUnit.SECONDS)).isTrue();
      whileConnected = openFileDescriptors();
    }
    clientGone.countDown();

    // The client's socket and the server's accepted socket must both be gone; the server learns
    // of the departure when its write fails, so wait for it, bounded.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (openFileDescriptors() > whileConnected - 2 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    assertThat(openFileDescriptors()).isLessThanOrEqualTo(whileConnected - 2);
  }

  private static final Path OPEN_FILES = Path.of("/proc/self/fd");

  private static long openFileDescriptors() throws IOException {
    try (Stream<Path> files = Files.list(OPEN_FILES)) {
      return files.count();
    }
  }
}
