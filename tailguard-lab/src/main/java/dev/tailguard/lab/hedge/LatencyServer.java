package dev.tailguard.lab.hedge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on 127.0.0.1 whose handler sleeps as a {@link LatencyModel} says. Its
 * executor grows without bound, so requests never queue behind each other: the latency a client
 * sees is the model's plus the network stack's. It counts the requests it receives (hedges and
 * retries included) and the exchanges still open.
 *
 * <p>The model's "n-th request" is counted per caller (the {@code Lab-Caller} header), so brpc's
 * "every even request sleeps" keeps its meaning with many callers: a backup is the next request
 * from the same caller, as in brpc's one-client example.
 */
final class LatencyServer implements AutoCloseable {
  static final String CALLER_HEADER = "Lab-Caller";

  static {
    // Without TCP_NODELAY the JDK server writes headers and body as two segments, and Nagle's
    // algorithm meets the client's delayed ACK: every response would wait about 40 ms.
    // ServerConfig reads this once, when the first server is created.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "lab-latency-server");
    thread.setDaemon(true);
    return thread;
  });
  private final LatencyModel model;
  private final SplittableRandom random;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicLong> perCaller = new ConcurrentHashMap<>();

  LatencyServer(LatencyModel model, long seed) throws IOException {
    this.model = model;
    this.random = new SplittableRandom(seed);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange exchange) {
    open.incrementAndGet();
    try {
      requests.incrementAndGet();
      String caller = String.valueOf(exchange.getRequestHeaders().getFirst(CALLER_HEADER));
      long n = perCaller.computeIfAbsent(caller, c -> new AtomicLong()).incrementAndGet();
      double millis;
      synchronized (random) {
        millis = model.nextMillis(n, random);
      }
      exchange.getRequestBody().readAllBytes();
      TimeUnit.NANOSECONDS.sleep(Math.round(millis * 1e6));
      byte[] body = {'o', 'k'};
      exchange.sendResponseHeaders(200, body.length);
      // Not try-with-resources: on JDK 17, closing the body stream after a failed write (the
      // client cancelled this hedge) marks the exchange closed without closing its connection,
      // and every cancelled attempt would leak a socket. exchange.close() below closes it.
      OutputStream out = exchange.getResponseBody();
      out.write(body);
      out.close();
    } catch (IOException clientWentAway) {
      // A hedge that lost: the client aborted the exchange while we slept.
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    } finally {
      exchange.close();
      open.decrementAndGet();
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  long requests() {
    return requests.get();
  }

  /** Waits (bounded) for handlers still sleeping for cancelled attempts; returns what stays open. */
  int openExchangesAfter(Duration settle) throws InterruptedException {
    long deadline = System.nanoTime() + settle.toNanos();
    while (open.get() > 0 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    return open.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
