package dev.tailguard.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test fixture shared by both adapters' key-in-use tests: a JDK {@code HttpServer} on 127.0.0.1
 * whose {@code /orders} sits behind Tailguard's own {@link IdempotencyFilter} (in-memory store).
 * The first handler run waits for {@link #releaseFirst}, so a retry or hedge with the same key
 * meets the filter's 409 "key in use". It counts handler runs, requests and 409 answers.
 */
public final class GuardedOrdersServer implements AutoCloseable {
  private static final Duration BOUND = Duration.ofSeconds(10);

  /** Times the handler behind the filter ran. */
  public final AtomicInteger handlerRuns = new AtomicInteger();
  /** Requests that reached the server. */
  public final AtomicInteger requests = new AtomicInteger();
  /** 409 answers the server sent. */
  public final AtomicInteger inUseAnswers = new AtomicInteger();
  /** Counted down when the first handler run starts. */
  public final CountDownLatch firstEntered = new CountDownLatch(1);
  /** Lets the first handler run answer. */
  public final CountDownLatch releaseFirst = new CountDownLatch(1);
  /** Counted down when the first request's exchange ended, its answer stored. */
  public final CountDownLatch firstStored = new CountDownLatch(1);
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final HttpServer server;

  public GuardedOrdersServer() throws IOException {
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

  /** The guarded resource. */
  public URI orders() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders");
  }

  /** Waits at most 10 s for {@code latch}. */
  public static void await(CountDownLatch latch) {
    try {
      latch.await(BOUND.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException stopped) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    releaseFirst.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
