package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.ConcurrencyLimitExceededException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 20 on the OkHttp adapter, the same rules as the JDK adapter's
 * {@code ConcurrencyLimitOverLoopbackTest}: the limit given to {@code TailguardInterceptor}'s
 * builder bounds what MockWebServer sees, refuses the call over it without sending or retrying it,
 * and every attempt gives its permit back.
 */
@Timeout(30)
class OkHttpConcurrencyLimitTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final MockWebServer server = new MockWebServer();
  private final FakeClock clock = new FakeClock();
  private OkHttpClient base;

  @BeforeEach
  void start() throws IOException {
    server.start(java.net.InetAddress.getLoopbackAddress(), 0);
    base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
    clock.assertNoPendingTasks();
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
  }

  private OkHttpClient client(ConcurrencyLimit limit) {
    return TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(100))).build())
        .concurrencyLimit(limit).build());
  }

  private CompletableFuture<Integer> inThread(OkHttpClient client, String path) {
    CompletableFuture<Integer> code = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try (Response response = client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
        code.complete(response.code());
      } catch (Throwable t) {
        code.completeExceptionally(t);
      }
    }, "okhttp-limit-caller");
    caller.setDaemon(true);
    caller.start();
    return code;
  }

  @Test
  void aFullLimitRefusesTheNextCallWithoutSendingOrRetryingIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        release.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        return new MockResponse().setBody("ok");
      }
    });
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(2).name("orders").build();
    OkHttpClient client = client(limit);
    CompletableFuture<Integer> first = inThread(client, "/a");
    CompletableFuture<Integer> second = inThread(client, "/b");
    Eventually.holds(() -> server.getRequestCount() == 2, BOUND);
    assertThat(limit.inFlight()).isEqualTo(2);

    assertThatThrownBy(() -> client.newCall(new Request.Builder().url(server.url("/c")).build()).execute())
        .hasCauseInstanceOf(ConcurrencyLimitExceededException.class);
    // Refused before sending, and not retried into the same limit: no timer, no third request.
    assertThat(clock.pendingTasks()).isZero();
    assertThat(limit.refusals()).isEqualTo(1);

    release.countDown();
    assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(second.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void everyAttemptOfARetriedCallHoldsAPermitOnlyWhileItRuns() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setResponseCode(503));
    server.enqueue(new MockResponse().setBody("ok"));
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("orders").build();
    OkHttpClient client = client(limit);
    CompletableFuture<Integer> call = inThread(client, "/a");
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!call.isDone() && System.nanoTime() < deadline) {
      if (clock.pendingTasks() > 0) {
        // Waiting out the backoff, the call holds no permit.
        assertThat(limit.inFlight()).isZero();
        clock.advance(clock.nextTaskDelay().orElseThrow());
      } else {
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
    }
    assertThat(call.get(1, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(limit.inFlight()).isZero();
    assertThat(limit.refusals()).isZero();
  }
}
