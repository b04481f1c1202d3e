package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HttpResilience#client(HttpClient)}: the per-endpoint client reports its delegate's
 * configuration, routes every way of sending through the endpoint's pipeline, and refuses to wrap
 * a client that already retries.
 */
@Timeout(30)
class EndpointHttpClientTest {
  private static final URI ORDERS = URI.create("http://127.0.0.1:9/orders");
  private final ScriptedHttpClient delegate = new ScriptedHttpClient();
  private final HttpResilience resilience = HttpResilience.standard().maxAttempts(2)
      .backoff(dev.tailguard.Backoff.none()).build();

  @Test
  void reportsTheDelegatesConfiguration() {
    HttpClient client = resilience.client(delegate);

    assertThat(client.cookieHandler()).containsSame(ScriptedHttpClient.COOKIES);
    assertThat(client.connectTimeout()).contains(Duration.ofSeconds(7));
    assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NORMAL);
    assertThat(client.proxy()).containsSame(ScriptedHttpClient.PROXY);
    assertThat(client.sslContext()).isSameAs(delegate.sslContext());
    assertThat(client.sslParameters().getProtocols()).containsExactly("TLSv1.3");
    assertThat(client.authenticator()).containsSame(ScriptedHttpClient.AUTHENTICATOR);
    assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(client.executor()).containsSame(ScriptedHttpClient.EXECUTOR);
    assertThat(client.toString()).startsWith("EndpointHttpClient{HttpResilience{STANDARD");
  }

  @Test
  void everyWayOfSendingGoesThroughTheEndpointsRetries() throws Exception {
    delegate.respond(503).respond(200).respond(503).respond(200).respond(503).respond(200);
    HttpClient client = resilience.client(delegate);
    HttpRequest get = HttpRequest.newBuilder(ORDERS).build();
    HttpResponse.PushPromiseHandler<String> pushes = (initiating, pushed, acceptor) -> {};

    assertThat(client.send(get, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(client.sendAsync(get, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(client.sendAsync(get, BodyHandlers.ofString(), pushes).get(10, TimeUnit.SECONDS).statusCode())
        .isEqualTo(200);

    assertThat(delegate.sent).hasSize(6);
    assertThat(delegate.pushPromiseHandlers).containsExactly(pushes, pushes);
  }

  @Test
  void refusesToWrapAClientThatAlreadyRetries() {
    HttpClient endpointClient = resilience.client(delegate);
    ResilientHttpClient resilient = ResilientHttpClient.builder().client(delegate).build();

    assertThatThrownBy(() -> resilience.client(endpointClient))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already resilient");
    assertThatThrownBy(() -> resilience.client(resilient))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiply every retry");
    assertThatThrownBy(() -> endpointClient.send(null, BodyHandlers.ofString()))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("request");
  }
}
