package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.http.GuardedOrdersServer;
import dev.tailguard.http.Idempotency;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 3 on OkHttp: a keyed POST hedged against Tailguard's own {@link IdempotencyFilter}
 * while its first attempt still runs gets the filter's 409 "key in use"; the client waits the
 * hint instead of returning that 409, the original's answer reaches the caller, and the handler
 * runs once.
 */
@Timeout(30)
class OkHttpKeyInUseTest {
  private final FakeClock clock = new FakeClock();
  private final OkHttpClient base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();
  private GuardedOrdersServer server;

  @BeforeEach
  void startGuardedServer() throws IOException {
    server = new GuardedOrdersServer();
  }

  @AfterEach
  void stop() {
    server.close();
    clock.assertNoPendingTasks();
    base.connectionPool().evictAll();
  }

  @Test
  void hedgeAnsweredKeyInUse_waitsTheHintAndTheOriginalsAnswerReachesTheCaller() throws Exception {
    OkHttpClient client = TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(3).build()).build());
    Request post = new Request.Builder().url(server.orders().toString())
        .header("Idempotency-Key", Idempotency.newKey()).post(RequestBody.create("{\"sku\":42}", MediaType.get("application/json"))).build();
    CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
      try (Response response = client.newCall(post).execute()) {
        return response.code() + " " + response.body().string();
      } catch (IOException e) {
        return e.toString();
      }
    });

    Eventually.holds(() -> server.handlerRuns.get() == 1 && clock.pendingTasks() == 1, Duration.ofSeconds(10));
    clock.advance(Duration.ofMillis(50));
    Eventually.holds(() -> server.inUseAnswers.get() == 1 && clock.nextTaskDelay().filter(Duration.ofSeconds(1)::equals).isPresent(),
        Duration.ofSeconds(10));
    assertThat(outcome).as("the 409 was not handed to the caller").isNotDone();
    server.releaseFirst.countDown();

    assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("201 order 1");
    assertThat(server.handlerRuns).hasValue(1);
  }
}
