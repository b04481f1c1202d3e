package dev.tailguard.functional;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.testing.idempotency.IdempotencyFilterContract;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The shared filter behaviour for {@link IdempotencyFilter} on a real JDK HttpServer. */
class JdkIdempotencyFilterContractTest extends IdempotencyFilterContract {
  private HttpServer server;
  private ExecutorService executor;

  @Override
  protected URI start(IdempotencyGuard guard, int maxRequestBytes, Handler handler) throws Exception {
    executor = Executors.newFixedThreadPool(4);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(executor);
    HttpContext context = server.createContext("/orders", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Optional<IdempotencyGuard.Ticket> ticket =
          Optional.ofNullable((IdempotencyGuard.Ticket) exchange.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE));
      byte[] answer;
      try {
        answer = handler.handle(new Seen(exchange.getRequestURI().getRawQuery(), body, ticket)).getBytes(StandardCharsets.UTF_8);
      } catch (Exception failure) {
        throw new java.io.IOException(failure);
      }
      exchange.sendResponseHeaders(201, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    });
    context.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> exchange.getRequestHeaders().getFirst("Tenant"), maxRequestBytes));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  protected void stop() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
