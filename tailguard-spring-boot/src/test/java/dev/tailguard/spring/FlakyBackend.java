package dev.tailguard.spring;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real JDK HttpServer on 127.0.0.1: {@code /flaky} answers 503 (Retry-After: 0) to every
 * first request of a path+query, then 200; {@code /down} always 503; {@code /ok} 200; {@code
 * /slow-first} holds its first request until {@link #releaseSlow()} (10 s at most) and answers
 * each request {@code attempt-<n>}. Counts requests per method and path.
 */
final class FlakyBackend implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final CountDownLatch slow = new CountDownLatch(1);

  FlakyBackend() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        String key = exchange.getRequestMethod() + " " + exchange.getRequestURI();
        int n = hits.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        String path = exchange.getRequestURI().getPath();
        int status = path.startsWith("/down") ? 503 : path.startsWith("/flaky") && n == 1 ? 503 : 200;
        if (status == 503) {
          exchange.getResponseHeaders().add("Retry-After", "0");
        }
        if (path.startsWith("/slow-first") && n == 1) {
          awaitRelease();
        }
        String text = path.startsWith("/slow-first") ? "attempt-" + n : status == 200 ? "ok" : "busy";
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    server.start();
  }

  /** Lets the held first {@code /slow-first} request answer. */
  void releaseSlow() {
    slow.countDown();
  }

  private void awaitRelease() {
    try {
      slow.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts one, for a static field. */
  static FlakyBackend start() {
    try {
      return new FlakyBackend();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int hits(String methodAndPath) {
    AtomicInteger n = hits.get(methodAndPath);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    releaseSlow();
    server.stop(0);
    executor.shutdownNow();
  }
}
