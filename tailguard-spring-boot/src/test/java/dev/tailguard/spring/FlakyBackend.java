package dev.tailguard.spring;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real JDK HttpServer on 127.0.0.1: {@code /flaky} answers 503 (Retry-After: 0) to every
 * first request of a path+query, then 200; {@code /down} always 503; {@code /ok} 200. Counts
 * requests per path.
 */
final class FlakyBackend implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

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
        byte[] body = (status == 200 ? "ok" : "busy").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    server.start();
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
    server.stop(0);
    executor.shutdownNow();
  }
}
