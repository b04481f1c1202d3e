package dev.tailguard.http;

import java.net.URI;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.RateControl;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A test fixture: Jetty on 127.0.0.1 speaking HTTP/1.1 and h2c (upgrade and prior knowledge) on
 * one port, with a handler of the test's own. It counts the sockets opened (an h2c upgrade
 * replaces the connection object on the same socket), the RST_STREAM frames it received, and the
 * events its rate control refused (each one a GOAWAY). Jetty's default rate control (128 events a
 * second) stays in charge unless {@link #withoutResetLimit} is used.
 */
public final class JettyH2cServer implements AutoCloseable {
  private final Server server = new Server();
  private final ServerConnector connector;
  private final Set<EndPoint> endPoints = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private final AtomicInteger resetsReceived = new AtomicInteger();
  private final AtomicInteger refusedEvents = new AtomicInteger();

  private JettyH2cServer(Handler handler, boolean limitResets) throws Exception {
    HttpConfiguration http = new HttpConfiguration();
    HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(http);
    RateControl.Factory defaults = h2c.getRateControlFactory();
    h2c.setRateControlFactory(new RateControl.Factory() {
      @Override
      public RateControl newRateControl(EndPoint endPoint) {
        RateControl limit = limitResets ? defaults.newRateControl(endPoint) : RateControl.NO_RATE_CONTROL;
        return event -> {
          if (event instanceof ResetFrame) {
            resetsReceived.incrementAndGet();
          }
          boolean allowed = limit.onEvent(event);
          if (!allowed) {
            refusedEvents.incrementAndGet();
          }
          return allowed;
        };
      }
    });
    connector = new ServerConnector(server, new HttpConnectionFactory(http), h2c);
    connector.setHost("127.0.0.1");
    connector.addBean(new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        endPoints.add(connection.getEndPoint());
      }
    });
    server.addConnector(connector);
    server.setHandler(handler);
    server.start();
  }

  /** Starts a server with Jetty's default rate control. */
  public static JettyH2cServer start(Handler handler) throws Exception {
    return new JettyH2cServer(handler, true);
  }

  /** Starts a server that counts resets but never answers them with GOAWAY. */
  public static JettyH2cServer withoutResetLimit(Handler handler) throws Exception {
    return new JettyH2cServer(handler, false);
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
  }

  /** Sockets opened so far. */
  public int connections() {
    return endPoints.size();
  }

  /** RST_STREAM frames received so far. */
  public int resetsReceived() {
    return resetsReceived.get();
  }

  /** Events the rate control refused, each answered with GOAWAY. */
  public int refusedEvents() {
    return refusedEvents.get();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
