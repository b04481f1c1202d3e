package dev.tailguard.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.testing.Eventually;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real JDK {@link HttpServer} on 127.0.0.1 whose n-th request (from 0) gets the n-th scripted
 * reply. It records what it received, which connections carried it, and how many exchanges are
 * still open, so tests can assert that nothing leaked.
 */
final class LoopbackHttpServer implements AutoCloseable {
  /** What the server does with one request. */
  interface Reply {
    void handle(HttpExchange exchange) throws IOException;
  }

  /** One request as the server saw it. */
  record Received(String method, Map<String, List<String>> headers, byte[] body, int remotePort) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Reply> script;
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Set<Integer> remotePorts = ConcurrentHashMap.newKeySet();
  private final List<Throwable> handlerFailures = new CopyOnWriteArrayList<>();

  LoopbackHttpServer(Reply... script) throws IOException {
    this.script = List.of(script);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::dispatch);
    server.start();
  }

  private void dispatch(HttpExchange exchange) {
    open.incrementAndGet();
    try {
      int n = sequence.getAndIncrement();
      byte[] body = exchange.getRequestBody().readAllBytes();
      received.add(new Received(exchange.getRequestMethod(), Map.copyOf(exchange.getRequestHeaders()), body,
          exchange.getRemoteAddress().getPort()));
      remotePorts.add(exchange.getRemoteAddress().getPort());
      script.get(Math.min(n, script.size() - 1)).handle(exchange);
    } catch (IOException | RuntimeException failure) {
      handlerFailures.add(failure);
    } finally {
      exchange.close();
      open.decrementAndGet();
    }
  }

  static Reply status(int status, String body, String... headers) {
    return exchange -> {
      for (int i = 0; i < headers.length; i += 2) {
        exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
      }
      byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    };
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  List<Received> received() {
    return received;
  }

  int connections() {
    return remotePorts.size();
  }

  int openExchanges() {
    return open.get();
  }

  List<Throwable> handlerFailures() {
    return handlerFailures;
  }

  /** Waits (bounded) until every exchange has finished; returns how many are still open. */
  int awaitNoOpenExchanges(Duration limit) {
    Eventually.holds(() -> open.get() == 0, limit);
    return open.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
