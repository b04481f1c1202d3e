package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The JDK adapter paces the HTTP/2 resets it sends for hedge losers ({@code
 * maxStreamResetsPerSecond}): a loser beyond the budget is drained, not reset, until a token frees
 * up or the drain limit passes, so a server's rapid-reset limit is not reached. Time is a {@link
 * FakeClock}; the server tells primary and hedge apart by the attempt-count header.
 */
@Timeout(60)
class Http2ResetBudgetTest {
  private static final String ATTEMPT = "Tailguard-Previous-Attempts";
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final FakeClock clock = new FakeClock();
  private final AtomicInteger primariesHeld = new AtomicInteger();
  private final AtomicInteger primariesEnded = new AtomicInteger();
  private JettyH2cServer server;

  @BeforeEach
  void start() throws Exception {
    server = JettyH2cServer.start(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        if ("0".equals(request.getHeaders().get(ATTEMPT))) {
          // The primary never answers: only a reset ends it.
          request.addFailureListener(failure -> {
            primariesEnded.incrementAndGet();
            callback.failed(failure);
          });
          primariesHeld.incrementAndGet();
          return true;
        }
        response.setStatus(200);
        Content.Sink.write(response, true, "hedge", callback);
        return true;
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void hedgeLosersBeyondTheResetBudget_areDrainedNotReset_untilATokenFreesUpOrTheDrainLimitPasses() throws Exception {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    // Two resets a second, one at most in a burst.
    ResilientHttpClient client = ResilientHttpClient.builder().client(jdk).clock(clock).scheduler(clock).attemptCountHeader(ATTEMPT)
        .maxStreamResetsPerSecond(2).hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build()).build();
    HttpRequest get = HttpRequest.newBuilder(server.uri("/")).build();
    assertThat(jdk.send(get, BodyHandlers.ofString()).version()).isEqualTo(HttpClient.Version.HTTP_2);

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(client.sendAsync(get, BodyHandlers.ofString()));
    }
    Eventually.holds(() -> primariesHeld.get() == 3 && clock.pendingTasks() == 3, BOUND);
    clock.advance(Duration.ofMillis(10));
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      assertThat(call.get(BOUND.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("hedge");
    }

    Eventually.holds(() -> server.resetsReceived() == 1 && primariesEnded.get() == 1, BOUND);
    assertThat(primariesEnded).as("losers beyond the burst of one are drained, not reset").hasValue(1);
    clock.advance(Duration.ofMillis(500));
    Eventually.holds(() -> server.resetsReceived() == 2, BOUND);
    assertThat(primariesEnded.get()).as("one token after half a second: one more reset").isLessThanOrEqualTo(2);
    clock.advance(Duration.ofMillis(500));
    // One second after they were abandoned, the losers are reset whatever the budget says.
    Eventually.holds(() -> primariesEnded.get() == 3 && server.resetsReceived() == 3, BOUND);
    assertThat(server.refusedEvents()).as("GOAWAYs from Jetty's rate control").isZero();
    assertThat(server.connections()).isEqualTo(1);
    Eventually.holds(() -> clock.pendingTasks() == 0, BOUND);
  }

  @Test
  void aNegativeResetBudget_isRejectedNamingTheParameter() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResilientHttpClient.builder().maxStreamResetsPerSecond(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxStreamResetsPerSecond").hasMessageContaining("-1");
  }
}
