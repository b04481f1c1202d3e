package dev.tailguard.idempotency.servlet;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.testing.idempotency.IdempotencyFilterContract;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The shared filter behaviour for {@link IdempotencyServletFilter} inside embedded Jetty 12 on 127.0.0.1. */
class ServletIdempotencyFilterContractTest extends IdempotencyFilterContract {
  private Server server;

  @Override
  protected URI start(IdempotencyGuard guard, int maxRequestBytes, Handler handler) throws Exception {
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
        String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Optional<IdempotencyGuard.Ticket> ticket =
            Optional.ofNullable((IdempotencyGuard.Ticket) request.getAttribute(IdempotencyGuard.TICKET_ATTRIBUTE));
        String answer;
        try {
          answer = handler.handle(new Seen(request.getQueryString(), body, ticket));
        } catch (Exception failure) {
          throw new IOException(failure);
        }
        response.setStatus(201);
        response.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
      }
    }), "/orders");
    context.addFilter(new FilterHolder(IdempotencyServletFilter.scopedBy(guard, request -> request.getHeader("Tenant"), maxRequestBytes)),
        "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  @Override
  protected void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }
}
