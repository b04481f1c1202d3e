package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hedging over HTTP/2 against Jetty speaking h2c on 127.0.0.1: the losing attempt must end as one
 * reset stream on the shared connection, not as a lost connection, as it does on HTTP/1.1.
 */
@Timeout(30)
class Http2HedgeTest {
  private final Set<EndPoint> endPoints = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private final List<String> protocols = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch loserReset = new CountDownLatch(1);
  private volatile int hangingRequest = -1;
  private Server server;
  private URI uri;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.addBean(new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        // An h2c upgrade replaces the connection object on the same socket: count sockets.
        endPoints.add(connection.getEndPoint());
      }
    });
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        int n = requests.getAndIncrement();
        protocols.add(request.getConnectionMetaData().getProtocol());
        if (n == hangingRequest) {
          // Never answers; only the client's reset ends it.
          request.addFailureListener(failure -> {
            loserReset.countDown();
            callback.failed(failure);
          });
          return true;
        }
        response.setStatus(200);
        Content.Sink.write(response, true, "answer " + n, callback);
        return true;
      }
    });
    server.start();
    uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  @Test
  void aLosingHedgeIsOneResetStreamAndTheConnectionLivesOn() throws Exception {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build()).build();
    HttpRequest get = HttpRequest.newBuilder(uri).build();
    // One plain exchange upgrades the connection to h2c (unhedged: the upgrade may be slow).
    assertThat(jdk.send(get, BodyHandlers.ofString()).body()).isEqualTo("answer 0");

    hangingRequest = 1;
    HttpResponse<String> hedged = client.send(get, BodyHandlers.ofString());
    assertThat(hedged.body()).as("the hedge, sent 50 ms after the hanging primary").isEqualTo("answer 2");
    assertThat(hedged.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(loserReset.await(5, TimeUnit.SECONDS)).as("the server saw the losing stream reset").isTrue();

    assertThat(client.send(get, BodyHandlers.ofString()).body()).isEqualTo("answer 3");
    assertThat(protocols.subList(1, 4)).as("primary, hedge and the next call").containsOnly("HTTP/2.0");
    assertThat(endPoints).as("every exchange on one connection").hasSize(1);
  }
}
