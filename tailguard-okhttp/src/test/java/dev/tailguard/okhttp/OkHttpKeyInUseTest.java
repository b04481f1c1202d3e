package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.http.Idempotency;
import dev.tailguard.idempotency.IdempotencyFilter;
import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger handlerRuns = new AtomicInteger();
  private final AtomicInteger inUseAnswers = new AtomicInteger();
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final OkHttpClient base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();
  private HttpServer server;

  @BeforeEach
  void startGuardedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(executor);
    HttpContext context = server.createContext("/orders", exchange -> {
      int run = handlerRuns.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      if (run == 1) {
        try {
          releaseFirst.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException stopped) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = ("order " + run).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    context.getFilters().add(new com.sun.net.httpserver.Filter() {
      @Override
      public void doFilter(com.sun.net.httpserver.HttpExchange exchange, Chain chain) throws IOException {
        try {
          chain.doFilter(exchange);
        } finally {
          if (exchange.getResponseCode() == 409) {
            inUseAnswers.incrementAndGet();
          }
        }
      }

      @Override
      public String description() {
        return "counts 409 answers";
      }
    });
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build();
    context.getFilters().add(IdempotencyFilter.scopedBy(guard, exchange -> "tenant"));
    server.start();
  }

  @AfterEach
  void stop() {
    releaseFirst.countDown();
    server.stop(0);
    executor.shutdownNow();
    clock.assertNoPendingTasks();
    base.connectionPool().evictAll();
  }

  @Test
  void hedgeAnsweredKeyInUse_waitsTheHintAndTheOriginalsAnswerReachesTheCaller() throws Exception {
    OkHttpClient client = TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(3).build()).build());
    Request post = new Request.Builder().url("http://127.0.0.1:" + server.getAddress().getPort() + "/orders")
        .header("Idempotency-Key", Idempotency.newKey()).post(RequestBody.create("{\"sku\":42}", MediaType.get("application/json"))).build();
    CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
      try (Response response = client.newCall(post).execute()) {
        return response.code() + " " + response.body().string();
      } catch (IOException e) {
        return e.toString();
      }
    });

    Eventually.holds(() -> handlerRuns.get() == 1 && clock.pendingTasks() == 1, Duration.ofSeconds(10));
    clock.advance(Duration.ofMillis(50));
    Eventually.holds(() -> inUseAnswers.get() == 1 && clock.nextTaskDelay().filter(Duration.ofSeconds(1)::equals).isPresent(),
        Duration.ofSeconds(10));
    assertThat(outcome).as("the 409 was not handed to the caller").isNotDone();
    releaseFirst.countDown();

    assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("201 order 1");
    assertThat(handlerRuns).hasValue(1);
  }
}
