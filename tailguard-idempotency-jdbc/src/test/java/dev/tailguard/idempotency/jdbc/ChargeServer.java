package dev.tailguard.idempotency.jdbc;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.StoreUnavailableException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A payment service as a user writes it behind {@link IdempotencyFilter} on PostgreSQL: the
 * handler reads its ticket, and only on a fresh claim performs the side effect (a line appended to
 * a ledger file), then records the phase {@code charged}. A successor that takes over an expired
 * lease finds the recovery point and answers without charging again.
 *
 * <p>Run as a child JVM by {@link CrashMidHandlerTest}: {@code main(ledger, table, leaseMillis,
 * "hang")} prints {@code PORT <n>}, then {@code CHARGED} once the phase is recorded, and hangs
 * there until it is killed.
 */
final class ChargeServer {
  private ChargeServer() {}

  static HttpServer start(Path ledger, String table, Duration lease, boolean hangAfterCharging) throws Exception {
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(PostgresIdempotencyStoreTest.dataSource(5432), table);
    store.createSchema();
    IdempotencyGuard guard = IdempotencyGuard.builder(store).lease(lease).build();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    HttpContext context = server.createContext("/charges", exchange -> {
      IdempotencyGuard.Ticket ticket = (IdempotencyGuard.Ticket) exchange.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE);
      String answer;
      if (ticket.recoveryPoint().isEmpty()) {
        Files.writeString(ledger, "charge " + ticket.fencingToken() + "\n", StandardOpenOption.APPEND);
        try {
          ticket.recordPhase("charged");
        } catch (StoreUnavailableException unavailable) {
          throw new IOException(unavailable);
        }
        if (hangAfterCharging) {
          System.out.println("CHARGED");
          System.out.flush();
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
          }
        }
        answer = "charged";
      } else {
        answer = "resumed at " + ticket.recoveryPoint().get();
      }
      byte[] body = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    context.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> "merchant-1"));
    server.start();
    return server;
  }

  public static void main(String[] args) throws Exception {
    HttpServer server = start(Path.of(args[0]), args[1], Duration.ofMillis(Long.parseLong(args[2])), "hang".equals(args[3]));
    System.out.println("PORT " + server.getAddress().getPort());
    System.out.flush();
  }
}
