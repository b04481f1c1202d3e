package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link IdempotencyFilter} and the {@link BufferedExchange} its handler sees, on a JDK HttpServer
 * on 127.0.0.1: request-body bounds, the query in the fingerprint, handler failures, the
 * principal's scope, and what the handler reads from its exchange.
 */
class IdempotencyFilterExchangeTest {
  private static final int MAX = 4;

  private final AtomicInteger handlerRuns = new AtomicInteger();
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private HttpServer server;
  private IdempotencyGuard guard;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(executor);
    guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).completionAttempts(1, Duration.ZERO).build();
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** A context whose handler answers 201 with "order " and the body it read. */
  private HttpContext echo(String path, IdempotencyFilter filter) {
    return guarded(path, filter, exchange -> {
      byte[] body = ("order " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
  }

  private HttpContext guarded(String path, IdempotencyFilter filter, HttpHandler handler) {
    HttpContext context = server.createContext(path, exchange -> {
      handlerRuns.incrementAndGet();
      handler.handle(exchange);
    });
    context.getFilters().add(filter);
    return context;
  }

  private IdempotencyFilter tenantFilter() {
    return IdempotencyFilter.scopedBy(guard, exchange -> "acme", MAX);
  }

  private HttpURLConnection send(String method, String pathAndQuery, String key, String body, boolean chunked) throws IOException {
    URL url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
    HttpURLConnection connection = (HttpURLConnection) url.openConnection();
    connection.setRequestMethod(method);
    if (key != null) {
      connection.setRequestProperty("Idempotency-Key", key);
    }
    if (body != null) {
      connection.setDoOutput(true);
      if (chunked) {
        connection.setChunkedStreamingMode(2);
      }
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body.getBytes(StandardCharsets.UTF_8));
      }
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
  void aBodyOfExactlyTheBoundIsFingerprintedWholeDeclaredOrStreamed() throws IOException {
    echo("/orders", tenantFilter());
    HttpURLConnection declared = send("POST", "/orders", "\"k-1\"", "1234", false);
    assertThat(declared.getResponseCode()).isEqualTo(201);
    assertThat(body(declared)).isEqualTo("order 1234");
    HttpURLConnection streamed = send("POST", "/orders", "\"k-2\"", "1234", true);
    assertThat(streamed.getResponseCode()).isEqualTo(201);
    assertThat(body(streamed)).isEqualTo("order 1234");
    // The same key with one byte less is another request.
    assertThat(send("POST", "/orders", "\"k-1\"", "123", false).getResponseCode()).isEqualTo(422);
  }

  @Test
  void aBodyOneByteOverTheBoundIs413DeclaredOrStreamedAndNothingRuns() throws IOException {
    echo("/orders", tenantFilter());
    HttpURLConnection declared = send("POST", "/orders", "\"k-1\"", "12345", false);
    assertThat(declared.getResponseCode()).isEqualTo(413);
    assertThat(declared.getHeaderField("Connection")).isEqualTo("close");
    assertThat(send("POST", "/orders", "\"k-2\"", "12345", true).getResponseCode()).isEqualTo(413);
    assertThat(handlerRuns).hasValue(0);
  }

  @Test
  void aDeclaredOverlongBodyIsRefusedBeforeAByteOfItIsRead() throws IOException {
    echo("/orders", tenantFilter());
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
      client.setSoTimeout(5_000);
      // Declares 100,000 bytes, sends 2 and waits: only a filter that trusts the declaration answers.
      client.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: \"k-1\"\r\n"
          + "Content-Length: 100000\r\n\r\n12").getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      byte[] head = new byte[12];
      int read = client.getInputStream().readNBytes(head, 0, head.length);
      assertThat(new String(head, 0, read, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 413");
    }
    assertThat(handlerRuns).hasValue(0);
  }

  @Test
  void theBoundMayBeZeroButNeitherNegativeNorIntegerMax() throws IOException {
    assertThatThrownBy(() -> IdempotencyFilter.scopedBy(guard, exchange -> "acme", -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> IdempotencyFilter.scopedBy(guard, exchange -> "acme", Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
    echo("/empty", IdempotencyFilter.scopedBy(guard, exchange -> "acme", 0));
    assertThat(send("POST", "/empty", "\"k-1\"", null, false).getResponseCode()).isEqualTo(201);
    assertThat(send("POST", "/empty", "\"k-2\"", "1", false).getResponseCode()).isEqualTo(413);
  }

  @Test
  void theDefaultBoundIsOneMebibyte() throws IOException {
    echo("/orders", IdempotencyFilter.scopedBy(guard, exchange -> "acme"));
    String mebibyte = "x".repeat(IdempotencyFilter.DEFAULT_MAX_REQUEST_BYTES);
    assertThat(send("POST", "/orders", "\"k-1\"", mebibyte, false).getResponseCode()).isEqualTo(201);
    assertThat(send("POST", "/orders", "\"k-2\"", mebibyte + "x", false).getResponseCode()).isEqualTo(413);
  }

  @Test
  void theQueryIsPartOfTheRequestAndTheKeyRemembersIt() throws IOException {
    echo("/orders", tenantFilter());
    assertThat(send("POST", "/orders?amount=1", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(201);
    assertThat(send("POST", "/orders?amount=1000", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(422);
    assertThat(send("POST", "/orders/2", "\"k-1\"", "1", false).getResponseCode()).as("another path").isEqualTo(422);
    HttpURLConnection replay = send("POST", "/orders?amount=1", "\"k-1\"", "1", false);
    assertThat(replay.getHeaderField(IdempotencyGuard.REPLAYED)).isEqualTo("true");
    assertThat(handlerRuns).hasValue(1);
  }

  @Test
  void aHandlerThatThrowsReleasesTheKeySoTheRetryRunsIt() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    guarded("/flaky", tenantFilter(), exchange -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("first try fails");
      }
      exchange.sendResponseHeaders(201, -1);
      exchange.close();
    });
    try {
      send("POST", "/flaky", "\"k-1\"", "1", false);
    } catch (IOException expected) {
      // The server drops the connection of a handler that threw (HttpURLConnection may resend a POST once).
    }
    assertThat(send("POST", "/flaky", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(201);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aHandlerThatNeverAnswersIsA500AndTheKeyIsReleased() throws IOException {
    guarded("/silent", tenantFilter(), exchange -> { });
    assertThat(send("POST", "/silent", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(500);
    assertThat(send("POST", "/silent", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(500);
    assertThat(handlerRuns).as("released both times, never a 409").hasValue(2);
  }

  @Test
  void anOutageAtCompletionStillSendsTheHandlersAnswer() throws IOException {
    InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(10);
    IdempotencyStore failingCompletion = new IdempotencyStore() {
      @Override public Claim claim(String s, String k, String f, Duration l, Duration r) throws StoreUnavailableException {
        return memory.claim(s, k, f, l, r);
      }
      @Override public boolean complete(String s, String k, String t, StoredResponse r, Duration d) throws StoreUnavailableException {
        throw new StoreUnavailableException("down", null);
      }
      @Override public boolean recordPhase(String s, String k, String t, String p, Duration l) {
        return memory.recordPhase(s, k, t, p, l);
      }
      @Override public boolean renewLease(String s, String k, String t, Duration l) {
        return memory.renewLease(s, k, t, l);
      }
      @Override public boolean release(String s, String k, String t) {
        return memory.release(s, k, t);
      }
      @Override public int reapExpired() {
        return memory.reapExpired();
      }
    };
    IdempotencyGuard outage = IdempotencyGuard.builder(failingCompletion).completionAttempts(1, Duration.ZERO).build();
    echo("/orders", IdempotencyFilter.scopedBy(outage, exchange -> "acme"));
    HttpURLConnection answer = send("POST", "/orders", "\"k-1\"", "42", false);
    assertThat(answer.getResponseCode()).isEqualTo(201);
    assertThat(body(answer)).isEqualTo("order 42");
    assertThat(send("POST", "/orders", "\"k-1\"", "42", false).getResponseCode()).as("in progress until the lease ends").isEqualTo(409);
  }

  @Test
  void aRequestWithoutAKeyWhereNoneIsRequiredRunsUnguardedAndItsAnswerGoesOut() throws IOException {
    IdempotencyGuard optional = IdempotencyGuard.builder(new InMemoryIdempotencyStore(10)).requireKey(false).build();
    guarded("/orders", IdempotencyFilter.scopedBy(optional, exchange -> "acme"), exchange -> {
      byte[] body = ("ticket=" + exchange.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE)).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    HttpURLConnection first = send("POST", "/orders", null, "42", false);
    assertThat(first.getResponseCode()).isEqualTo(200);
    assertThat(body(first)).isEqualTo("ticket=null");
    assertThat(send("POST", "/orders", null, "42", false).getHeaderField(IdempotencyGuard.REPLAYED)).isNull();
    assertThat(handlerRuns).hasValue(2);
  }

  @Test
  void patchIsGuardedAndPutPassesThrough() throws IOException {
    echo("/orders", tenantFilter());
    // HttpURLConnection cannot send PATCH: write it by hand.
    assertThat(patch("\"k-1\"")).startsWith("HTTP/1.1 201").doesNotContainIgnoringCase(IdempotencyGuard.REPLAYED);
    assertThat(patch("\"k-1\"")).startsWith("HTTP/1.1 201").containsIgnoringCase(IdempotencyGuard.REPLAYED + ": true");
    assertThat(send("PUT", "/orders", null, "1", false).getResponseCode()).isEqualTo(201);
    assertThat(handlerRuns).hasValue(2);
  }

  private String patch(String key) throws IOException {
    try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
      client.setSoTimeout(5_000);
      client.getOutputStream().write(("PATCH /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nIdempotency-Key: " + key
          + "\r\nContent-Length: 1\r\n\r\n1").getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      return new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void aBlankScopeIs401() throws IOException {
    echo("/orders", IdempotencyFilter.scopedBy(guard, exchange -> "  "));
    assertThat(send("POST", "/orders", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(401);
    assertThat(handlerRuns).hasValue(0);
  }

  /**
   * Without a principal the answer is 401 and nothing runs. (A context's {@code Authenticator}
   * runs after the context's filters on the JDK server, so it cannot supply the principal here.)
   */
  @Test
  void withoutAPrincipalTheAnswerIs401() throws IOException {
    echo("/open", IdempotencyFilter.scopedByPrincipal(guard));
    assertThat(send("POST", "/open", "\"k-1\"", "1", false).getResponseCode()).isEqualTo(401);
    assertThat(handlerRuns).hasValue(0);
    assertThat(IdempotencyFilter.scopedByPrincipal(guard).description()).isEqualTo("Tailguard Idempotency-Key filter");
  }

  @Test
  void theHandlersExchangeShowsTheRealRequestAndItsOwnTicket() throws IOException {
    HttpContext context = guarded("/orders", IdempotencyFilter.scopedBy(guard,
        exchange -> exchange.getRequestHeaders().getFirst("Tenant")), exchange -> {
      IdempotencyGuard.Ticket ticket = (IdempotencyGuard.Ticket) exchange.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE);
      exchange.setAttribute("note", "kept");
      String refused;
      try {
        exchange.setAttribute(IdempotencyGuard.TICKET_ATTRIBUTE, "forged");
        refused = "no";
      } catch (IllegalArgumentException expected) {
        refused = "yes";
      }
      String streams;
      try {
        exchange.setStreams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream());
        streams = "replaced";
      } catch (UnsupportedOperationException expected) {
        streams = "owned";
      }
      exchange.close();
      exchange.sendResponseHeaders(202, -1);
      String report = String.join("|",
          exchange.getRequestMethod(),
          exchange.getRequestURI().toString(),
          exchange.getProtocol(),
          exchange.getRequestHeaders().getFirst("Tenant"),
          exchange.getHttpContext().getPath(),
          String.valueOf(exchange.getLocalAddress().getPort()),
          exchange.getRemoteAddress().getAddress().getHostAddress(),
          String.valueOf(exchange.getPrincipal()),
          String.valueOf(exchange.getResponseCode()),
          String.valueOf(exchange.getAttribute("note")),
          refused,
          streams,
          ticket.fencingToken().isEmpty() ? "no token" : "token",
          String.valueOf(ticket.recoveryPoint().isPresent()));
      exchange.getResponseBody().write(report.getBytes(StandardCharsets.UTF_8));
    });
    URL url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/orders/7?x=1");
    HttpURLConnection connection = (HttpURLConnection) url.openConnection();
    connection.setRequestMethod("POST");
    connection.setRequestProperty("Tenant", "acme");
    connection.setRequestProperty("Idempotency-Key", "\"k-1\"");
    assertThat(connection.getResponseCode()).isEqualTo(202);
    assertThat(body(connection)).isEqualTo(String.join("|", "POST", "/orders/7?x=1", "HTTP/1.1", "acme", "/orders",
        String.valueOf(server.getAddress().getPort()), "127.0.0.1", "null", "202", "kept", "yes", "owned", "token", "false"));
    assertThat(context.getAttributes()).doesNotContainKey(IdempotencyGuard.TICKET_ATTRIBUTE);
  }

  @Test
  void theHandlerSeesTheBodyTheFilterAlreadyRead() throws IOException {
    Function<HttpExchange, String> scope = exchange -> "acme";
    guarded("/orders", IdempotencyFilter.scopedBy(guard, scope, MAX), exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    });
    HttpURLConnection connection = send("POST", "/orders", "\"k-1\"", "abcd", false);
    assertThat(body(connection)).isEqualTo("abcd");
    assertThat(connection.getHeaderField("Content-Length")).isEqualTo("4");
    assertThat(List.of(handlerRuns.get())).containsExactly(1);
  }
}
