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
 * A payment service as a user writes it behind an idempotency filter on PostgreSQL: the handler
 * reads its ticket, and only on a fresh claim performs the side effect (a line appended to a ledger
 * file), then records the phase {@code charged}. A successor that takes over an expired lease finds
 * the recovery point and answers without charging again. {@link #charge} is that handler, shared by
 * the JDK {@code HttpServer} service here and the servlet one in {@link ChargeServlet}.
 *
 * <p>Run as a child JVM by {@link CrashMidHandlerTest}: {@code main(ledger, table, leaseMillis,
 * "hang", "jdk"|"servlet")} prints {@code PORT <n>}, then {@code CHARGED} once the phase is
 * recorded, and hangs there until it is killed.
 */
final class ChargeServer {
  private ChargeServer() {}

  /** A started service: its port on 127.0.0.1, and how to stop it. */
  interface Running extends AutoCloseable {
    int port();

    @Override
    void close() throws Exception;
  }

  static IdempotencyGuard guard(String table, Duration lease) throws StoreUnavailableException {
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(PostgresIdempotencyStoreTest.dataSource(5432), table);
    store.createSchema();
    return IdempotencyGuard.builder(store).lease(lease).build();
  }

  /** The handler both services run: charge once on a fresh claim, resume at the recovery point otherwise. */
  static String charge(IdempotencyGuard.Ticket ticket, Path ledger, boolean hangAfterCharging) throws IOException {
    if (ticket.recoveryPoint().isPresent()) {
      return "resumed at " + ticket.recoveryPoint().get();
    }
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
    return "charged";
  }

  static Running start(String kind, Path ledger, String table, Duration lease, boolean hangAfterCharging) throws Exception {
    return switch (kind) {
      case "jdk" -> startJdk(ledger, table, lease, hangAfterCharging);
      case "servlet" -> ChargeServlet.start(ledger, guard(table, lease), hangAfterCharging);
      default -> throw new IllegalArgumentException("kind must be jdk or servlet, was " + kind);
    };
  }

  private static Running startJdk(Path ledger, String table, Duration lease, boolean hangAfterCharging) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    HttpContext context = server.createContext("/charges", exchange -> {
      IdempotencyGuard.Ticket ticket = (IdempotencyGuard.Ticket) exchange.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE);
      byte[] body = charge(ticket, ledger, hangAfterCharging).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    context.getFilters().add(IdempotencyFilter.scopedBy(guard(table, lease), exchange -> "merchant-1"));
    server.start();
    return new Running() {
      @Override
      public int port() {
        return server.getAddress().getPort();
      }

      @Override
      public void close() {
        server.stop(0);
      }
    };
  }

  public static void main(String[] args) throws Exception {
    Running server = start(args[4], Path.of(args[0]), args[1], Duration.ofMillis(Long.parseLong(args[2])), "hang".equals(args[3]));
    System.out.println("PORT " + server.port());
    System.out.flush();
  }
}
