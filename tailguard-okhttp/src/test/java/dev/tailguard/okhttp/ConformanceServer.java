package dev.tailguard.okhttp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A Jetty server on 127.0.0.1 speaking HTTP/1.1 and h2c (prior knowledge and upgrade) on one port,
 * answering from a script and recording every request it received: the conformance suite's
 * oracle. It also counts exchanges still in flight, so a scenario can check nothing was left open.
 */
final class ConformanceServer implements AutoCloseable {
  /** One request as the server received it. */
  record Received(int number, String method, String path, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** What the server does with one request. */
  record Reply(int status, List<String[]> headers, String body, boolean reset, boolean hang) {
    static Reply status(int status, String body, String... headerPairs) {
      List<String[]> headers = new java.util.ArrayList<>();
      for (int i = 0; i < headerPairs.length; i += 2) {
        headers.add(new String[] {headerPairs[i], headerPairs[i + 1]});
      }
      return new Reply(status, headers, body, false, false);
    }

    /** Reads the request, then closes the connection without an answer. */
    static Reply closeConnection() {
      return new Reply(0, List.of(), "", true, false);
    }

    /** Never answers; only the client's cancel (a reset or a closed connection) ends it. */
    static Reply neverAnswer() {
      return new Reply(0, List.of(), "", false, true);
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger inFlight = new AtomicInteger();
  /** RST_STREAM frames the server received, counted under Jetty's default rate control. */
  final AtomicInteger resetsReceived = new AtomicInteger();
  /** Sockets opened (an h2c upgrade replaces the connection object on the same socket). */
  final java.util.Set<org.eclipse.jetty.io.EndPoint> endPoints =
      java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
  /** GOAWAY frames the server sent because a connection's events outran the rate control. */
  final AtomicInteger rateLimited = new AtomicInteger();
  private final AtomicInteger numbers = new AtomicInteger();
  private volatile Function<Received, Reply> script = r -> Reply.status(200, "ok");
  private final Server server = new Server();
  private final ServerConnector connector;

  ConformanceServer() throws Exception {
    HttpConfiguration http = new HttpConfiguration();
    HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(http);
    // Jetty's own rate control (128 events a second by default) stays in charge; it is only watched.
    org.eclipse.jetty.http2.RateControl.Factory defaults = h2c.getRateControlFactory();
    h2c.setRateControlFactory(new org.eclipse.jetty.http2.RateControl.Factory() {
      @Override
      public org.eclipse.jetty.http2.RateControl newRateControl(org.eclipse.jetty.io.EndPoint endPoint) {
        org.eclipse.jetty.http2.RateControl limit = defaults.newRateControl(endPoint);
        return event -> {
          if (event instanceof org.eclipse.jetty.http2.frames.ResetFrame) {
            resetsReceived.incrementAndGet();
          }
          boolean allowed = limit.onEvent(event);
          if (!allowed) {
            rateLimited.incrementAndGet();
          }
          return allowed;
        };
      }
    });
    connector = new ServerConnector(server, new HttpConnectionFactory(http), h2c);
    connector.setHost("127.0.0.1");
    connector.addBean(new org.eclipse.jetty.io.Connection.Listener() {
      @Override
      public void onOpened(org.eclipse.jetty.io.Connection connection) {
        endPoints.add(connection.getEndPoint());
      }
    });
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        inFlight.incrementAndGet();
        Callback done = Callback.from(callback, inFlight::decrementAndGet);
        Map<String, String> headers = new java.util.HashMap<>();
        for (HttpField field : request.getHeaders()) {
          headers.putIfAbsent(field.getLowerCaseName(), field.getValue());
        }
        String body = Content.Source.asString(request, StandardCharsets.UTF_8);
        Received in = new Received(numbers.getAndIncrement(), request.getMethod(), request.getHttpURI().getPath(), Map.copyOf(headers), body);
        received.add(in);
        Reply reply = script.apply(in);
        if (reply.hang()) {
          request.addFailureListener(done::failed);
          return true;
        }
        if (reply.reset()) {
          request.getConnectionMetaData().getConnection().getEndPoint().close();
          done.failed(new java.io.IOException("reset by the script"));
          return true;
        }
        response.setStatus(reply.status());
        for (String[] header : reply.headers()) {
          response.getHeaders().add(header[0], header[1]);
        }
        Content.Sink.write(response, true, reply.body(), done);
        return true;
      }
    });
    server.start();
  }

  void script(Function<Received, Reply> script) {
    this.script = script;
  }

  int count() {
    return received.size();
  }

  String url(String path) {
    return "http://127.0.0.1:" + connector.getLocalPort() + path;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
