package dev.tailguard.idempotency.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link IdempotencyServletFilter} inside embedded Jetty 12 on 127.0.0.1. */
class IdempotencyServletFilterTest {
  private final AtomicInteger handlerRuns = new AtomicInteger();
  private final HttpClient client = HttpClient.newHttpClient();
  private Server server;
  private URI orders;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        handlerRuns.incrementAndGet();
        String order = new String(request.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
          // Long enough for concurrent duplicates to overlap with the first.
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        response.setStatus(201);
        response.setContentType("text/plain");
        response.addHeader("Set-Cookie", "session=secret");
        response.getWriter().write("order " + order);
      }
    }), "/orders");
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(1000)).build();
    context.addFilter(new FilterHolder(IdempotencyServletFilter.scopedBy(guard, request -> request.getHeader("Tenant"), 1 << 20)),
        "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    orders = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/orders");
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private HttpResponse<String> post(String tenant, String key, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(orders).POST(HttpRequest.BodyPublishers.ofString(body));
    if (tenant != null) {
      request.header("Tenant", tenant);
    }
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRetriedPostIsReplayedWithoutRunningTheServletAgain() throws Exception {
    HttpResponse<String> first = post("acme", "\"k-1\"", "42");
    HttpResponse<String> retry = post("acme", "\"k-1\"", "42");

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.body()).isEqualTo("order 42");
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.body()).isEqualTo("order 42");
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(retry.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(handlerRuns).hasValue(1);
  }

  @Test
  void fiftyConcurrentDuplicatesRunTheServletOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        statuses.add(pool.submit(() -> {
          start.await();
          return post("acme", "\"same\"", "7").statusCode();
        }));
      }
      start.countDown();
      for (Future<Integer> status : statuses) {
        assertThat(status.get(30, TimeUnit.SECONDS)).isIn(201, 409);
      }
      assertThat(handlerRuns).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void mismatchesMissingKeysAndMissingScopesAreRefusedBeforeTheServlet() throws Exception {
    post("acme", "\"k-2\"", "1");
    assertThat(post("acme", "\"k-2\"", "2").statusCode()).isEqualTo(422);
    assertThat(post("acme", null, "1").statusCode()).isEqualTo(400);
    assertThat(post("acme", "k-2-unquoted", "1").statusCode()).isEqualTo(400);
    assertThat(post(null, "\"k-3\"", "1").statusCode()).isEqualTo(401);
    assertThat(handlerRuns).hasValue(1);
  }

  @Test
  void anotherTenantIsAnIndependentKeySpace() throws Exception {
    post("acme", "\"k-4\"", "1");
    HttpResponse<String> other = post("globex", "\"k-4\"", "1");
    assertThat(other.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(handlerRuns).hasValue(2);
  }
}
