package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.NotRetriedException;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.QueueDispatcher;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TailguardInterceptor} against OkHttp's MockWebServer on 127.0.0.1. */
@Timeout(30)
class TailguardInterceptorTest {
  private static final MediaType TEXT = MediaType.get("text/plain");

  private final MockWebServer server = new MockWebServer();
  private final FakeClock clock = new FakeClock();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
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

  private RetryPolicy.Builder policy(int attempts) {
    return RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.fixed(Duration.ofMillis(100)))
        .onRetry(event -> waits.add(event.delay()));
  }

  private OkHttpClient retrying(int attempts) {
    return TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock).retry(policy(attempts).build()).build());
  }

  private static Request get(MockWebServer server) {
    return new Request.Builder().url(server.url("/")).build();
  }

  @Test
  void serviceUnavailableTwiceThenOk_waitsExactlyTheRetryAfterSeconds() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "7").setBody("busy"));
    server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "3").setBody("busy"));
    server.enqueue(new MockResponse().setBody("done"));

    try (Response response = FakeTimeDriver.drive(clock, () -> retrying(3).newCall(get(server)).execute())) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("done");
    }
    assertThat(waits).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(3));
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void retryAfterAsAnHttpDate_isReadAgainstTheWallClock() throws Exception {
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    server.enqueue(new MockResponse().setResponseCode(429)
        .setHeader("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).format(now.plusSeconds(20))));
    server.enqueue(new MockResponse().setBody("done"));
    OkHttpClient client = TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .wallClock(java.time.Clock.fixed(now, ZoneOffset.UTC)).retry(policy(2).build()).build());

    try (Response response = FakeTimeDriver.drive(clock, () -> client.newCall(get(server)).execute())) {
      assertThat(response.code()).isEqualTo(200);
    }
    assertThat(waits).containsExactly(Duration.ofSeconds(20));
  }

  @Test
  void postWithoutKey_disconnectAfterTheRequest_isNotRetriedAndSaysItMayHaveBeenProcessed() throws IOException {
    server.enqueue(new MockResponse().setBody("warm"));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("charged twice"));
    OkHttpClient client = TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .autoIdempotencyKey(false).retry(policy(3).build()).build());
    // A pooled connection that fails after the POST went out is exactly where OkHttp, left to
    // itself, silently sends the POST again (square/okhttp #2394).
    try (Response warm = client.newCall(get(server)).execute()) {
      warm.body().string();
    }
    Request post = new Request.Builder().url(server.url("/charge")).post(RequestBody.create("amount=10", TEXT)).build();

    assertThatThrownBy(() -> FakeTimeDriver.drive(clock, () -> client.newCall(post).execute()))
        .isInstanceOf(NotRetriedException.class)
        .hasMessageContaining("may have been processed");
    assertThat(server.getRequestCount()).as("neither Tailguard nor OkHttp re-sent the POST").isEqualTo(2);
  }

  @Test
  void postWithAutoIdempotencyKey_isRetriedWithTheSameKeyEveryTime() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setResponseCode(201).setBody("charged once"));
    Request post = new Request.Builder().url(server.url("/charge")).post(RequestBody.create("amount=10", TEXT)).build();
    OkHttpClient client = TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .serverHonoursIdempotencyKey(true).retry(policy(3).build()).build());

    try (Response response = FakeTimeDriver.drive(clock, () -> client.newCall(post).execute())) {
      assertThat(response.code()).isEqualTo(201);
    }
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
      keys.add(recorded.getHeader("Idempotency-Key"));
      assertThat(recorded.getBody().readUtf8()).isEqualTo("amount=10");
    }
    assertThat(keys.get(0)).matches("\"[0-9a-f-]{36}\"");
    assertThat(keys).containsOnly(keys.get(0));
  }

  /**
   * MockWebServer takes the disconnecting response off its queue only after the client has seen
   * the disconnect, so a retry that connects at once can be served the same disconnect (1 run in
   * about 40 here). The retry waits, bounded, until the server has taken it.
   */
  @Test
  void disconnectDuringTheRequestBody_ofAPut_isRetriedWithTheWholeBody() throws Exception {
    QueueDispatcher queue = new QueueDispatcher();
    AtomicInteger dispatched = new AtomicInteger();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        MockResponse response = queue.dispatch(request);
        dispatched.incrementAndGet();
        return response;
      }

      @Override
      public MockResponse peek() {
        return queue.peek();
      }
    });
    queue.enqueueResponse(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_DURING_REQUEST_BODY));
    queue.enqueueResponse(new MockResponse().setBody("stored"));
    String payload = "p".repeat(64 * 1024);
    Request put = new Request.Builder().url(server.url("/doc")).put(RequestBody.create(payload, TEXT)).build();
    RetryPolicy afterTheServerMovedOn = policy(2).onRetry(event -> Eventually.holds(() -> dispatched.get() >= 1, Duration.ofSeconds(5))).build();
    OkHttpClient client = TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock).retry(afterTheServerMovedOn).build());

    try (Response response = FakeTimeDriver.drive(clock, () -> client.newCall(put).execute())) {
      assertThat(response.body().string()).isEqualTo("stored");
    }
    server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getBody().readUtf8()).isEqualTo(payload);
  }

  @Test
  void slowFirstBytePastTheReadTimeout_isRetried() throws Exception {
    server.enqueue(new MockResponse().setBody("late").setHeadersDelay(2, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("quick"));
    OkHttpClient impatient = TailguardOkHttp.wrap(base.newBuilder().readTimeout(Duration.ofMillis(200)).build(),
        TailguardInterceptor.builder().clock(clock).scheduler(clock).retry(policy(2).build()).build());

    try (Response response = FakeTimeDriver.drive(clock, () -> impatient.newCall(get(server)).execute())) {
      assertThat(response.body().string()).isEqualTo("quick");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void slowBody_failsTheCallersReadAndIsNotResent() throws IOException {
    // The body streams to the caller after the interceptor returned the response, so a body that
    // stalls is the caller's failure to handle; Tailguard never re-sends behind the caller's back.
    server.enqueue(new MockResponse().setBody("x".repeat(4096)).throttleBody(1, 1, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("unexpected"));
    OkHttpClient impatient = TailguardOkHttp.wrap(base.newBuilder().readTimeout(Duration.ofMillis(200)).build(),
        TailguardInterceptor.builder().clock(clock).scheduler(clock).retry(policy(2).build()).build());

    try (Response response = impatient.newCall(get(server)).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThatThrownBy(() -> response.body().string()).isInstanceOf(IOException.class);
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void fiveRetried503sOnAPoolOfOneConnection_completeWithoutStalling() throws Exception {
    for (int i = 0; i < 5; i++) {
      server.enqueue(new MockResponse().setResponseCode(503).setBody("e".repeat(16 * 1024)));
    }
    server.enqueue(new MockResponse().setBody("finally"));
    OkHttpClient onePool = base.newBuilder().connectionPool(new ConnectionPool(1, 1, TimeUnit.MINUTES)).build();
    OkHttpClient client = TailguardOkHttp.wrap(onePool, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .retry(policy(6).build()).build());

    try (Response response = FakeTimeDriver.drive(clock, () -> client.newCall(get(server)).execute())) {
      assertThat(response.body().string()).isEqualTo("finally");
    }
    for (int i = 0; i < 6; i++) {
      assertThat(server.takeRequest(5, TimeUnit.SECONDS).getSequenceNumber()).as("request %s on the same connection", i).isEqualTo(i);
    }
  }

  @Test
  void hedgeLoserWithATenMegabyteBody_isCancelledAndItsCallEnds() throws Exception {
    List<Call> failedCalls = new CopyOnWriteArrayList<>();
    OkHttpClient observed = base.newBuilder().eventListener(new EventListener() {
      @Override
      public void callFailed(Call call, IOException failure) {
        failedCalls.add(call);
      }
    }).build();
    Buffer huge = new Buffer().write(new byte[10 << 20]);
    server.enqueue(new MockResponse().setBody(huge).setHeadersDelay(2, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("fast"));
    OkHttpClient client = TailguardOkHttp.hedging(observed, HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build());

    try (Response response = FakeTimeDriver.drive(clock, () -> client.newCall(get(server)).execute())) {
      assertThat(response.body().string()).isEqualTo("fast");
    }
    Eventually.holds(() -> !failedCalls.isEmpty(), Duration.ofSeconds(10));
    assertThat(failedCalls).as("the loser's call was cancelled, not left to read 10 MB")
        .singleElement().satisfies(call -> assertThat(call.isCanceled()).isTrue());
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  /** Over HTTP/2 a loser is one cancelled stream: the hedge and the next call share its connection. */
  @Test
  void overHttp2TheLoserIsOneCancelledStreamOnASharedConnection() throws Exception {
    MockWebServer h2 = new MockWebServer();
    h2.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    h2.start(java.net.InetAddress.getLoopbackAddress(), 0);
    try {
      h2.enqueue(new MockResponse().setBody("slow").setHeadersDelay(1, TimeUnit.SECONDS));
      h2.enqueue(new MockResponse().setBody("fast"));
      h2.enqueue(new MockResponse().setBody("next"));
      List<Call> failedCalls = new CopyOnWriteArrayList<>();
      OkHttpClient observed = base.newBuilder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).eventListener(new EventListener() {
        @Override
        public void callFailed(Call call, IOException failure) {
          failedCalls.add(call);
        }
      }).build();
      OkHttpClient client = TailguardOkHttp.hedging(observed, HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build());
      Request request = new Request.Builder().url(h2.url("/")).build();

      try (Response response = client.newCall(request).execute()) {
        assertThat(response.body().string()).isEqualTo("fast");
        assertThat(response.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
      }
      Eventually.holds(() -> !failedCalls.isEmpty(), Duration.ofSeconds(10));
      assertThat(failedCalls).as("the loser's stream was cancelled").singleElement().satisfies(call -> assertThat(call.isCanceled()).isTrue());
      try (Response response = client.newCall(request).execute()) {
        assertThat(response.body().string()).isEqualTo("next");
      }
      // Sequence numbers count streams per connection; the server may record them out of order.
      List<Integer> streams = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        streams.add(h2.takeRequest(5, TimeUnit.SECONDS).getSequenceNumber());
      }
      assertThat(streams).as("three streams of one connection").containsExactlyInAnyOrder(0, 1, 2);
    } finally {
      h2.shutdown();
    }
  }

  @Test
  void oneShotBody_isNeverReplayed() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("ok"));
    RequestBody oneShot = new RequestBody() {
      @Override public MediaType contentType() {
        return TEXT;
      }

      @Override public void writeTo(BufferedSink sink) throws IOException {
        sink.writeUtf8("stream");
      }

      @Override public boolean isOneShot() {
        return true;
      }
    };
    Request put = new Request.Builder().url(server.url("/upload")).put(oneShot).build();

    assertThatThrownBy(() -> FakeTimeDriver.drive(clock, () -> retrying(3).newCall(put).execute()))
        .isInstanceOf(NotRetriedException.class)
        .satisfies(e -> assertThat(((NotRetriedException) e).reason()).isEqualTo(NotRetriedException.Reason.BODY_NOT_REPLAYABLE));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void clientErrorsAreReturnedNotRetried() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(404));
    server.enqueue(new MockResponse().setBody("unexpected"));

    try (Response response = FakeTimeDriver.drive(clock, () -> retrying(3).newCall(get(server)).execute())) {
      assertThat(response.code()).isEqualTo(404);
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }
}
