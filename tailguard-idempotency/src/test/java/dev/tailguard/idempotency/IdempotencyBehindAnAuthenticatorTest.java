package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's pattern for keys scoped per principal on a JDK {@code HttpServer}: found by PIT
 * work on issue 18, the filter form cannot work there, because the server runs a context's filters
 * before its {@code Authenticator} (every guarded request got 401, and {@code scopedBy} with an
 * authenticator lost the connection). {@link IdempotencyFilter#around} guards the handler after
 * authentication: a real {@link BasicAuthenticator} on 127.0.0.1.
 */
class IdempotencyBehindAnAuthenticatorTest {
  private final AtomicInteger handlerRuns = new AtomicInteger();
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(executor);
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build();
    server.createContext("/orders", IdempotencyFilter.scopedByPrincipal(guard).around(exchange -> {
      int run = handlerRuns.incrementAndGet();
      byte[] body = ("order " + run + " for " + exchange.getPrincipal().getUsername()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    })).setAuthenticator(new BasicAuthenticator("shop") {
      @Override
      public boolean checkCredentials(String user, String password) {
        return password.equals(user + "-pw");
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private String post(String user, String password, String key) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/orders")
        .openConnection();
    connection.setRequestMethod("POST");
    if (user != null) {
      String credentials = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      connection.setRequestProperty("Authorization", "Basic " + credentials);
    }
    connection.setRequestProperty("Idempotency-Key", "\"" + key + "\"");
    connection.setDoOutput(true);
    connection.getOutputStream().write("{\"sku\":42}".getBytes(StandardCharsets.UTF_8));
    int status = connection.getResponseCode();
    try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
      return status + " " + (in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void anAuthenticatedRetryWithTheSameKeyIsAReplayOfTheFirstAnswer() throws IOException {
    assertThat(post("alice", "alice-pw", "k-1")).isEqualTo("201 order 1 for alice");
    assertThat(post("alice", "alice-pw", "k-1")).isEqualTo("201 order 1 for alice");
    assertThat(handlerRuns).hasValue(1);
  }

  @Test
  void theSameKeyFromAnotherPrincipalIsAnotherRequest() throws IOException {
    assertThat(post("alice", "alice-pw", "k-1")).isEqualTo("201 order 1 for alice");
    assertThat(post("bob", "bob-pw", "k-1")).isEqualTo("201 order 2 for bob");
    assertThat(handlerRuns).hasValue(2);
  }

  @Test
  void asAContextFilterTheGuardRunsBeforeTheAuthenticatorAndSeesNoPrincipal() throws IOException {
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build();
    var filtered = server.createContext("/filtered", exchange -> {
      handlerRuns.incrementAndGet();
      exchange.sendResponseHeaders(204, -1);
    });
    filtered.getFilters().add(IdempotencyFilter.scopedByPrincipal(guard));
    filtered.setAuthenticator(new BasicAuthenticator("shop") {
      @Override
      public boolean checkCredentials(String user, String password) {
        return true;
      }
    });
    HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/filtered")
        .openConnection();
    connection.setRequestMethod("POST");
    connection.setRequestProperty("Authorization", "Basic " + Base64.getEncoder().encodeToString("alice:x".getBytes(StandardCharsets.UTF_8)));
    connection.setRequestProperty("Idempotency-Key", "\"k-1\"");
    connection.setDoOutput(true);
    connection.getOutputStream().write('x');
    // Why the README says to use around(handler) behind an authenticator.
    assertThat(connection.getResponseCode()).isEqualTo(401);
    assertThat(handlerRuns).hasValue(0);
  }

  @Test
  void anUnauthenticatedRequestIsRefusedByTheAuthenticatorAndRunsNothing() throws IOException {
    assertThat(post(null, null, "k-1")).startsWith("401");
    assertThat(post("alice", "wrong", "k-1")).startsWith("401");
    assertThat(handlerRuns).hasValue(0);
  }
}
