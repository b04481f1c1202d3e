package dev.tailguard.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP/1.1 server on a raw socket, for faults the JDK server cannot produce: reading
 * the whole request and then resetting the connection. One request per connection; the n-th
 * connection (from 0) gets the n-th action.
 */
final class RawHttpServer implements AutoCloseable {
  enum Action {
    RESET_AFTER_REQUEST,
    OK,
    /** Answers {@code HTTP/1.1 abc}: a status line no retry can fix. */
    INVALID_STATUS_LINE,
    /** Answers 200 with {@code Content-Length: x}, which the JDK client fails unchecked. */
    INVALID_CONTENT_LENGTH,
    /** Answers {@code 307} with {@code Location} the same path: a redirect loop. */
    REDIRECT_TO_ITSELF,
    /** Answers {@code 401} with a Basic challenge, whatever the credentials. */
    UNAUTHORIZED
  }

  /** One request as the server read it. */
  record Received(String method, Map<String, String> headers, byte[] body) {}

  private final ServerSocket socket;
  private final List<Action> script;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  RawHttpServer(Action... script) throws IOException {
    this.script = List.of(script);
    socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::serve, "raw-http-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve() {
    int n = 0;
    while (!socket.isClosed()) {
      try (Socket connection = socket.accept()) {
        Received request = read(connection.getInputStream());
        received.add(request);
        Action action = script.get(Math.min(n++, script.size() - 1));
        if (action == Action.RESET_AFTER_REQUEST) {
          // SO_LINGER 0 makes close() send RST: the client sees "connection reset" after sending.
          connection.setSoLinger(true, 0);
        } else {
          OutputStream out = connection.getOutputStream();
          out.write(answer(action).getBytes(StandardCharsets.US_ASCII));
          out.flush();
          connection.shutdownOutput();
        }
      } catch (IOException closed) {
        // The test closed the server, or a client went away.
      }
    }
  }

  private static String answer(Action action) {
    switch (action) {
      case INVALID_STATUS_LINE:
        return "HTTP/1.1 abc\r\nConnection: close\r\n\r\n";
      case INVALID_CONTENT_LENGTH:
        return "HTTP/1.1 200 OK\r\nContent-Length: x\r\nConnection: close\r\n\r\nok";
      case REDIRECT_TO_ITSELF:
        return "HTTP/1.1 307 Temporary Redirect\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      case UNAUTHORIZED:
        return "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"orders\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      default:
        return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    }
  }

  private static Received read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request ended in its head");
      }
      head.write(b);
    }
    String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    byte[] body = new byte[0];
    if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = readChunked(in);
    }
    return new Received(lines[0].split(" ")[0], headers, body);
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine(in);
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        readLine(in);
        return body.toByteArray();
      }
      body.write(in.readNBytes(size));
      readLine(in);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
  }

  List<Received> received() {
    return received;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
