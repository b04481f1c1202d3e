package dev.tailguard.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.NotRetriedException;
import dev.tailguard.http.TailguardHttpException;
import dev.tailguard.testing.FakeClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OkHttp against a raw-socket peer on 127.0.0.1 that answers every request with 5,000 {@code 102
 * Processing} responses before its {@code 200}: OkHttp 4.12 fails such an exchange with {@code
 * IllegalStateException("state: 3")}, which escaped {@code execute()} unchecked for a POST and
 * was retried as an unknown failure for a GET. It must travel as an {@code IOException}.
 */
@Timeout(30)
class OkHttpHostilePeerTest {
  private final AtomicInteger requests = new AtomicInteger();
  private final FakeClock clock = new FakeClock();
  private ServerSocket server;
  private Thread acceptor;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket socket = server.accept()) {
          BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
          int length = 0;
          for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          for (int i = 0; i < length; i++) {
            in.read();
          }
          requests.incrementAndGet();
          StringBuilder answer = new StringBuilder();
          for (int i = 0; i < 5000; i++) {
            answer.append("HTTP/1.1 102 Processing\r\n\r\n");
          }
          answer.append("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
          socket.getOutputStream().write(answer.toString().getBytes(StandardCharsets.ISO_8859_1));
          socket.getOutputStream().flush();
        } catch (IOException closed) {
          // The test is over, or the client hung up.
        }
      }
    }, "hostile-peer");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    acceptor.join(5000);
  }

  private OkHttpClient retrying() {
    OkHttpClient base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(5)).protocols(List.of(Protocol.HTTP_1_1)).build();
    return TailguardOkHttp.wrap(base, TailguardInterceptor.builder().clock(clock).scheduler(clock)
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build()).build());
  }

  private Request.Builder request() {
    return new Request.Builder().url("http://127.0.0.1:" + server.getLocalPort() + "/");
  }

  @Test
  void aFloodOf1xxAnswers_onAKeylessPost_failsWithAnIOExceptionAndIsSentOnce() {
    Request post = request().post(RequestBody.create("order", MediaType.get("text/plain"))).build();
    assertThatThrownBy(() -> FakeTimeDriver.drive(clock, () -> {
      try (Response response = retrying().newCall(post).execute()) {
        return response.code();
      }
    })).isInstanceOf(NotRetriedException.class).hasMessageContaining("may have been processed")
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThat(requests).hasValue(1);
  }

  @Test
  void aFloodOf1xxAnswers_onAGet_isRetriedAsAnIOExceptionUpToMaxAttempts() {
    assertThatThrownBy(() -> FakeTimeDriver.drive(clock, () -> {
      try (Response response = retrying().newCall(request().build()).execute()) {
        return response.code();
      }
    })).isInstanceOf(TailguardHttpException.class).hasMessageContaining("gave up after 3 attempts")
        .hasMessageContaining("java.io.IOException: OkHttp failed on the answer to GET");
    assertThat(requests).hasValue(3);
  }
}
