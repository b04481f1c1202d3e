package dev.tailguard.okhttp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import dev.tailguard.http.JettyH2cServer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
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
  record Reply(int status, List<String[]> headers, String body, boolean reset, boolean hang, boolean cut) {
    Reply(int status, List<String[]> headers, String body, boolean reset, boolean hang) {
      this(status, headers, body, reset, hang, false);
    }

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

    /**
     * Sends the status and {@code Content-Length: 1000}, then {@code body} (shorter), then closes
     * the connection: the body breaks off after the headers.
     */
    static Reply cutBody(int status, String body) {
      return new Reply(status, List.of(), body, false, false, true);
    }

    /** Never answers; only the client's cancel (a reset or a closed connection) ends it. */
    static Reply neverAnswer() {
      return new Reply(0, List.of(), "", false, true);
    }
  }

  /** A pseudo-header in a {@link Reply}: send the body in two writes without a declared length. */
  static final String STREAMED = "X-Script-Streamed";

  final List<Received> received = new CopyOnWriteArrayList<>();
  /** Streamed replies whose first half (and so the headers) has been written. */
  final AtomicInteger firstHalvesSent = new AtomicInteger();
  /** When set, a streamed reply waits for it (at most 10 s) before its second half. */
  volatile java.util.concurrent.CountDownLatch holdSecondHalves;
  final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger numbers = new AtomicInteger();
  private volatile Function<Received, Reply> script = r -> Reply.status(200, "ok");
  private final JettyH2cServer server;

  ConformanceServer() throws Exception {
    // Jetty's default rate control stays in charge: GOAWAY past 128 resets a second.
    server = JettyH2cServer.start(new Handler.Abstract() {
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
        boolean streamed = false;
        for (String[] header : reply.headers()) {
          if (header[0].equals(STREAMED)) {
            streamed = true;
          } else {
            response.getHeaders().add(header[0], header[1]);
          }
        }
        if (streamed) {
          // Two writes, no declared length: chunked on HTTP/1.1, no content-length on h2.
          String text = reply.body();
          int half = text.length() / 2;
          org.eclipse.jetty.util.FutureCallback firstHalf = new org.eclipse.jetty.util.FutureCallback();
          response.write(false, java.nio.ByteBuffer.wrap(text.substring(0, half).getBytes(StandardCharsets.UTF_8)), firstHalf);
          try {
            firstHalf.get(10, java.util.concurrent.TimeUnit.SECONDS);
            firstHalvesSent.incrementAndGet();
            java.util.concurrent.CountDownLatch hold = holdSecondHalves;
            if (hold != null) {
              hold.await(10, java.util.concurrent.TimeUnit.SECONDS);
            }
          } catch (Exception failed) {
            done.failed(failed);
            return true;
          }
          response.write(true, java.nio.ByteBuffer.wrap(text.substring(half).getBytes(StandardCharsets.UTF_8)), done);
          return true;
        }
        if (reply.cut()) {
          response.getHeaders().put("Content-Length", 1000);
          response.write(false, java.nio.ByteBuffer.wrap(reply.body().getBytes(StandardCharsets.UTF_8)), Callback.from(() -> {
            request.getConnectionMetaData().getConnection().getEndPoint().close();
            done.failed(new java.io.IOException("body cut by the script"));
          }, done::failed));
          return true;
        }
        Content.Sink.write(response, true, reply.body(), done);
        return true;
      }
    });
  }

  void script(Function<Received, Reply> script) {
    this.script = script;
  }

  int count() {
    return received.size();
  }

  String url(String path) {
    return server.uri(path).toString();
  }

  /** RST_STREAM frames the server received. */
  int resetsReceived() {
    return server.resetsReceived();
  }

  /** Events Jetty's rate control refused, each answered with GOAWAY. */
  int rateLimited() {
    return server.refusedEvents();
  }

  /** Sockets opened. */
  int connections() {
    return server.connections();
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
