package dev.tailguard.idempotency.jdbc;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.servlet.IdempotencyServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** {@link ChargeServer#charge} as a servlet behind {@link IdempotencyServletFilter}, in embedded Jetty on 127.0.0.1. */
final class ChargeServlet extends HttpServlet {
  private final transient Path ledger;
  private final boolean hangAfterCharging;

  private ChargeServlet(Path ledger, boolean hangAfterCharging) {
    this.ledger = ledger;
    this.hangAfterCharging = hangAfterCharging;
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    IdempotencyGuard.Ticket ticket = (IdempotencyGuard.Ticket) request.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE);
    byte[] body = ChargeServer.charge(ticket, ledger, hangAfterCharging).getBytes(StandardCharsets.UTF_8);
    response.setStatus(201);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  static ChargeServer.Running start(Path ledger, IdempotencyGuard guard, boolean hangAfterCharging) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(new ChargeServlet(ledger, hangAfterCharging)), "/charges");
    context.addFilter(new FilterHolder(IdempotencyServletFilter.scopedBy(guard, request -> "merchant-1", 1 << 20)),
        "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return new ChargeServer.Running() {
      @Override
      public int port() {
        return connector.getLocalPort();
      }

      @Override
      public void close() throws Exception {
        server.stop();
      }
    };
  }
}
