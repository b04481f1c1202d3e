package dev.tailguard.lab.idempotency;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault: on a share of requests, everything downstream (the idempotency filter, the handler
 * and its side effect) runs, but the response is swallowed and the connection dropped, as when a
 * server crashes or a proxy times out just after the work is done.
 */
final class DroppingFilter extends Filter {
  private final double share;
  private final SplittableRandom random;
  private final AtomicLong dropped = new AtomicLong();

  DroppingFilter(double share, long seed) {
    this.share = share;
    this.random = new SplittableRandom(seed);
  }

  long dropped() {
    return dropped.get();
  }

  @Override
  public String description() {
    return "drops the connection after processing, before the response";
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    boolean drop;
    synchronized (random) {
      drop = random.nextDouble() < share;
    }
    if (!drop) {
      chain.doFilter(exchange);
      return;
    }
    chain.doFilter(new Swallowing(exchange));
    dropped.incrementAndGet();
    // An exception out of the filter chain makes the JDK server close the connection unanswered.
    throw new IOException("lab fault: connection dropped after processing");
  }

  /** Passes the request through and swallows the response. */
  private static final class Swallowing extends HttpExchange {
    private final HttpExchange real;

    Swallowing(HttpExchange real) {
      this.real = real;
    }

    @Override public Headers getRequestHeaders() { return real.getRequestHeaders(); }
    @Override public Headers getResponseHeaders() { return new Headers(); }
    @Override public URI getRequestURI() { return real.getRequestURI(); }
    @Override public String getRequestMethod() { return real.getRequestMethod(); }
    @Override public HttpContext getHttpContext() { return real.getHttpContext(); }
    @Override public void close() {}
    @Override public InputStream getRequestBody() { return real.getRequestBody(); }
    @Override public OutputStream getResponseBody() { return OutputStream.nullOutputStream(); }
    @Override public void sendResponseHeaders(int code, long length) {}
    @Override public InetSocketAddress getRemoteAddress() { return real.getRemoteAddress(); }
    @Override public int getResponseCode() { return -1; }
    @Override public InetSocketAddress getLocalAddress() { return real.getLocalAddress(); }
    @Override public String getProtocol() { return real.getProtocol(); }
    @Override public Object getAttribute(String name) { return real.getAttribute(name); }
    @Override public void setAttribute(String name, Object value) { real.setAttribute(name, value); }
    @Override public void setStreams(InputStream i, OutputStream o) { real.setStreams(i, o); }
    @Override public HttpPrincipal getPrincipal() { return real.getPrincipal(); }
  }
}
