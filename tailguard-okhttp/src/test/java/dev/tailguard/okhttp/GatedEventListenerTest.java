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
}
