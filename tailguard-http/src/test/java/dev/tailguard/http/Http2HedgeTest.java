package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hedging over HTTP/2 against Jetty speaking h2c on 127.0.0.1: the losing attempt must end as one
 * reset stream on the shared connection, not as a lost connection, as it does on HTTP/1.1.
 *
 * <p>No step depends on how fast the machine is: the hedge delay runs on a {@link FakeClock}
 * advanced only once the server holds the primary, and the server tells the attempts apart by the
 * attempt-count header, not by their order of arrival.
 */
@Timeout(30)
class Http2HedgeTest {
  private static final String ATTEMPT = "Tailguard-Previous-Attempts";
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final List<String> protocols = new CopyOnWriteArrayList<>();
  private final CountDownLatch primaryArrived = new CountDownLatch(1);
  private final CountDownLatch loserReset = new CountDownLatch(1);
  private final FakeClock clock = new FakeClock();
  private volatile boolean hangPrimary;
  private JettyH2cServer server;

  @BeforeEach
  void start() throws Exception {
    server = JettyH2cServer.start(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        protocols.add(request.getConnectionMetaData().getProtocol());
        String attempt = request.getHeaders().get(ATTEMPT);
        if (hangPrimary && "0".equals(attempt)) {
          // Never answers; only the client's reset ends it.
          request.addFailureListener(failure -> {
            loserReset.countDown();
            callback.failed(failure);
          });
          primaryArrived.countDown();
          return true;
        }
        response.setStatus(200);
        Content.Sink.write(response, true, "answer to attempt " + attempt, callback);
        return true;
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void aLosingHedgeIsOneResetStreamAndTheConnectionLivesOn() throws Exception {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock).attemptCountHeader(ATTEMPT)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build()).build();
    URI uri = server.uri("/");
    // One plain exchange upgrades the connection to h2c (unhedged: the upgrade may be slow).
    assertThat(jdk.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()).version()).isEqualTo(HttpClient.Version.HTTP_2);

    hangPrimary = true;
    CompletableFuture<HttpResponse<String>> call = client.sendAsync(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString());
    assertThat(primaryArrived.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the server holds the primary").isTrue();
    Eventually.holds(() -> clock.pendingTasks() == 1, BOUND);
    clock.advance(Duration.ofMillis(50));

    HttpResponse<String> hedged = call.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(hedged.body()).as("the hedge wins").isEqualTo("answer to attempt 1");
    assertThat(hedged.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(loserReset.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the server saw the losing stream reset").isTrue();
    assertThat(server.resetsReceived()).as("one reset: the loser's").isEqualTo(1);

    hangPrimary = false;
    CompletableFuture<HttpResponse<String>> next = client.sendAsync(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString());
    assertThat(next.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("answer to attempt 0");
    assertThat(protocols.subList(1, 4)).as("primary, hedge and the next call").containsOnly("HTTP/2.0");
    assertThat(server.connections()).as("every exchange on one connection").isEqualTo(1);
    Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
  }
}
