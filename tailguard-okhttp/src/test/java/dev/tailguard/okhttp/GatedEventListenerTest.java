package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The base client's {@link EventListener} sees every event of every attempt Tailguard sends
 * ({@link GatedEventListener} sits in between to time cancels), against MockWebServer on 127.0.0.1.
 * Only the attempts' events are recorded: the caller's own call reports to the same listener.
 */
@Timeout(30)
class GatedEventListenerTest {
  private final MockWebServer server = new MockWebServer();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private OkHttpClient base;

  /** Records the events of Tailguard's attempt calls (those carrying a {@link SafeCancel}). */
  private final class Recorder extends EventListener {
    private void note(Call call, String event) {
      if (call.request().tag(SafeCancel.class) != null) {
        events.add(event);
      }
    }

    @Override public void callStart(Call call) {
      note(call, "callStart");
    }
    @Override public void proxySelectStart(Call call, HttpUrl url) {
      note(call, "proxySelectStart");
    }
    @Override public void proxySelectEnd(Call call, HttpUrl url, List<Proxy> proxies) {
      note(call, "proxySelectEnd");
    }
    @Override public void dnsStart(Call call, String domainName) {
      note(call, "dnsStart");
    }
    @Override public void dnsEnd(Call call, String domainName, List<InetAddress> addresses) {
      note(call, "dnsEnd");
    }
    @Override public void canceled(Call call) {
      note(call, "canceled");
    }
    @Override public void cacheMiss(Call call) {
      note(call, "cacheMiss");
    }
    @Override public void cacheHit(Call call, Response response) {
      note(call, "cacheHit");
    }
    @Override public void cacheConditionalHit(Call call, Response response) {
      note(call, "cacheConditionalHit");
    }
    @Override public void satisfactionFailure(Call call, Response response) {
      note(call, "satisfactionFailure");
    }
    @Override public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
      note(call, "connectStart");
    }
    @Override public void connectEnd(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol) {
      note(call, "connectEnd");
    }
    @Override public void connectFailed(Call call, InetSocketAddress address, Proxy proxy, Protocol protocol, IOException e) {
      note(call, "connectFailed");
    }
    @Override public void connectionAcquired(Call call, Connection connection) {
      note(call, "connectionAcquired");
    }
    @Override public void connectionReleased(Call call, Connection connection) {
      note(call, "connectionReleased");
    }
    @Override public void requestHeadersStart(Call call) {
      note(call, "requestHeadersStart");
    }
    @Override public void requestHeadersEnd(Call call, Request request) {
      note(call, "requestHeadersEnd");
    }
    @Override public void requestBodyStart(Call call) {
      note(call, "requestBodyStart");
    }
    @Override public void requestBodyEnd(Call call, long byteCount) {
      note(call, "requestBodyEnd");
    }
    @Override public void responseHeadersStart(Call call) {
      note(call, "responseHeadersStart");
    }
    @Override public void responseHeadersEnd(Call call, Response response) {
      note(call, "responseHeadersEnd");
    }
    @Override public void responseBodyStart(Call call) {
      note(call, "responseBodyStart");
    }
    @Override public void responseBodyEnd(Call call, long byteCount) {
      note(call, "responseBodyEnd");
    }
    @Override public void responseFailed(Call call, IOException e) {
      note(call, "responseFailed");
    }
    @Override public void callEnd(Call call) {
      note(call, "callEnd");
    }
    @Override public void callFailed(Call call, IOException e) {
      note(call, "callFailed");
    }
  }

  @BeforeEach
  void start() throws IOException {
    server.start(InetAddress.getLoopbackAddress(), 0);
    base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(5)).eventListener(new Recorder()).build();
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
  }

  private OkHttpClient retrying(OkHttpClient client) {
    return TailguardOkHttp.retrying(client, RetryPolicy.builder().maxAttempts(2).backoff(Backoff.none()).build());
  }

  @Test
  void aPostsAttemptReportsEveryStepToTheBaseClientsListener() throws Exception {
    server.enqueue(new MockResponse().setBody("ok"));
    Request post = new Request.Builder().url(server.url("/")).header("Idempotency-Key", "\"k-1\"")
        .post(RequestBody.create("item=1", MediaType.get("text/plain"))).build();

    try (Response response = retrying(base).newCall(post).execute()) {
      assertThat(response.body().string()).isEqualTo("ok");
    }

    assertThat(events).containsSubsequence("callStart", "proxySelectStart", "proxySelectEnd", "connectStart", "connectEnd",
        "connectionAcquired", "requestHeadersStart", "requestHeadersEnd", "requestBodyStart", "requestBodyEnd",
        "responseHeadersStart", "responseHeadersEnd", "responseBodyStart", "responseBodyEnd", "connectionReleased", "callEnd");
  }

  @Test
  void aFailedConnectAndAFailedResponseAreReportedToo() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    Request refused = new Request.Builder().url("http://127.0.0.1:" + closedPort + "/").build();
    assertThatThrownBy(() -> retrying(base).newCall(refused).execute()).isInstanceOf(IOException.class);
    assertThat(events).contains("connectFailed", "callFailed");

    events.clear();
    server.enqueue(new MockResponse().setBody("x".repeat(1024)).setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    OkHttpClient once = TailguardOkHttp.retrying(base, RetryPolicy.builder().maxAttempts(1).build());
    assertThatThrownBy(() -> {
      try (Response response = once.newCall(new Request.Builder().url(server.url("/")).build()).execute()) {
        response.body().string();
      }
    }).isInstanceOf(IOException.class);
    assertThat(events).contains("responseHeadersEnd", "responseFailed");
  }
  @Test
  void nameResolutionAndALosingHedgesCancelAreReported() throws Exception {
    // A name only this client knows, resolved to 127.0.0.1: no real DNS is asked.
    OkHttpClient resolving = base.newBuilder().dns(host -> {
      if (!host.equals("tailguard.test")) {
        throw new java.net.UnknownHostException(host);
      }
      return List.of(InetAddress.getLoopbackAddress());
    }).build();
    server.enqueue(new MockResponse().setBody("slow").setHeadersDelay(5, java.util.concurrent.TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("fast"));
    OkHttpClient hedging = TailguardOkHttp.hedging(resolving,
        dev.tailguard.HedgePolicy.builder(dev.tailguard.HedgeDelay.fixed(Duration.ofMillis(50))).maxAttempts(2).build());
    Request get = new Request.Builder().url("http://tailguard.test:" + server.getPort() + "/").build();

    try (Response response = hedging.newCall(get).execute()) {
      assertThat(response.body().string()).isEqualTo("fast");
    }

    assertThat(events).containsSubsequence("proxySelectEnd", "dnsStart", "dnsEnd", "connectStart");
    dev.tailguard.testing.Eventually.holds(() -> events.contains("canceled"), Duration.ofSeconds(10));
    assertThat(events).as("the loser's cancel").contains("canceled");
  }

  @Test
  void cacheEventsAreReported() throws Exception {
    java.nio.file.Path directory = java.nio.file.Files.createTempDirectory("tailguard-okhttp-cache");
    okhttp3.Cache cache = new okhttp3.Cache(directory.toFile(), 1 << 20);
    try {
      OkHttpClient caching = retrying(base.newBuilder().cache(cache).build());
      server.enqueue(new MockResponse().setBody("fresh").setHeader("Cache-Control", "max-age=60"));
      server.enqueue(new MockResponse().setBody("tagged").setHeader("ETag", "\"v1\"").setHeader("Cache-Control", "no-cache"));
      server.enqueue(new MockResponse().setResponseCode(304).setHeader("ETag", "\"v1\""));

      for (String path : new String[] {"/fresh", "/fresh", "/tagged", "/tagged"}) {
        try (Response response = caching.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
          response.body().string();
        }
      }
      Request onlyCached = new Request.Builder().url(server.url("/never")).cacheControl(okhttp3.CacheControl.FORCE_CACHE).build();
      try (Response response = caching.newCall(onlyCached).execute()) {
        assertThat(response.code()).isEqualTo(504);
      }

      assertThat(events).contains("cacheMiss", "cacheHit", "cacheConditionalHit", "satisfactionFailure");
    } finally {
      cache.delete();
    }
  }
}
