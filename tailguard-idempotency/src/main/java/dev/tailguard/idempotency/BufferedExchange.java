package dev.tailguard.idempotency;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * An exchange whose handler sees the already-read request body and writes its response into
 * memory, so the filter can store the outcome before a byte of it reaches the client.
 */
final class BufferedExchange extends HttpExchange {
  private final HttpExchange real;
  private final InputStream requestBody;
  private final ByteArrayOutputStream responseBody = new ByteArrayOutputStream();
  private final IdempotencyGuard.Ticket ticket;
  private int status = -1;

  BufferedExchange(HttpExchange real, byte[] requestBody, IdempotencyGuard.Ticket ticket) {
    this.real = real;
    this.requestBody = new ByteArrayInputStream(requestBody);
    this.ticket = ticket;
  }

  int status() {
    // A handler that never set a status answered nothing useful; treat it as a server error.
    return status < 0 ? 500 : status;
  }

  byte[] bodyBytes() {
    return responseBody.toByteArray();
  }

  /** Sends the buffered response on the real exchange. */
  void sendTo(HttpExchange exchange) throws IOException {
    byte[] body = bodyBytes();
    exchange.sendResponseHeaders(status(), body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void sendResponseHeaders(int rCode, long responseLength) {
    this.status = rCode;
  }

  @Override
  public int getResponseCode() {
    return status;
  }

  @Override
  public OutputStream getResponseBody() {
    return responseBody;
  }

  @Override
  public InputStream getRequestBody() {
    return requestBody;
  }

  @Override
  public void close() {
    // The filter sends and closes the real exchange once the outcome is stored.
  }

  @Override
  public Headers getRequestHeaders() {
    return real.getRequestHeaders();
  }

  @Override
  public Headers getResponseHeaders() {
    return real.getResponseHeaders();
  }

  @Override
  public URI getRequestURI() {
    return real.getRequestURI();
  }

  @Override
  public String getRequestMethod() {
    return real.getRequestMethod();
  }

  @Override
  public HttpContext getHttpContext() {
    return real.getHttpContext();
  }

  @Override
  public InetSocketAddress getRemoteAddress() {
    return real.getRemoteAddress();
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return real.getLocalAddress();
  }

  @Override
  public String getProtocol() {
    return real.getProtocol();
  }

  /**
   * The ticket is this exchange's own: on JDK 17 the real exchange's attributes are its context's,
   * shared by every concurrent request, so it is never stored there.
   */
  @Override
  public Object getAttribute(String name) {
    if (IdempotencyGuard.TICKET_ATTRIBUTE.equals(name)) {
      return ticket;
    }
    return real.getAttribute(name);
  }

  @Override
  public void setAttribute(String name, Object value) {
    if (IdempotencyGuard.TICKET_ATTRIBUTE.equals(name)) {
      throw new IllegalArgumentException(name + " is set by the idempotency filter");
    }
    real.setAttribute(name, value);
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {
    throw new UnsupportedOperationException("the idempotency filter owns this exchange's streams");
  }

  @Override
  public HttpPrincipal getPrincipal() {
    return real.getPrincipal();
  }
}
