package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitState;
import dev.tailguard.http.HttpResilience;
import dev.tailguard.testing.Eventually;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * The done-when of issue 21 in a Boot application configured only in properties: its {@code
 * RestClient} hedges through a {@code standard-hedging} client and keeps a breaker per endpoint of
 * a {@code standard} one, against real JDK HttpServers on 127.0.0.1.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoints.web.exposure.include=tailguard",
    "tailguard.circuit-breaker.tight.minimum-calls=3",
    "tailguard.circuit-breaker.tight.window-size=3",
    "tailguard.http.hedged.pipeline=standard-hedging",
    "tailguard.http.hedged.hedge-delay=50ms",
    "tailguard.http.spread.pipeline=standard",
    "tailguard.http.spread.max-attempts=2",
    "tailguard.http.spread.initial-backoff=1ms",
    "tailguard.http.spread.circuit-breaker=tight"})
class RestClientHedgesAndBreaksPerEndpointTest {
  static final FlakyBackend HEDGED = FlakyBackend.start();
  static final FlakyBackend A = FlakyBackend.start();
  static final FlakyBackend B = FlakyBackend.start();

  @DynamicPropertySource
  static void backendUrl(DynamicPropertyRegistry registry) {
    registry.add("tailguard.http.hedged.base-url", HEDGED::url);
  }

  @AfterAll
  static void stop() {
    HEDGED.close();
    A.close();
    B.close();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Autowired RestClient.Builder builder;
  @Autowired TailguardRestClients clients;
  @Autowired TailguardRegistry registry;
  @Autowired MeterRegistry meters;
  @LocalServerPort int port;

  @Test
  void aSlowFirstAttemptIsHedgedTheHedgeWinsAndTheLoserIsCancelled() throws Exception {
    RecordingInterceptor attempts = new RecordingInterceptor();
    // Boot's builder already routes the hedged client's base URL; the recorder sits inside it.
    RestClient rest = builder.requestInterceptor(attempts).build();

    String body = rest.get().uri(HEDGED.url() + "/slow-first/h").retrieve().body(String.class);

    assertThat(body).isEqualTo("attempt-2");
    assertThat(HEDGED.hits("GET /slow-first/h")).isEqualTo(2);
    // The loser, still waiting for its answer, is cancelled: its send ends in an exception.
    assertThat(Eventually.holds(() -> attempts.failed.get() == 1, Duration.ofSeconds(10))).isTrue();
    HEDGED.releaseSlow();
    assertThat(Eventually.holds(attempts::allEndedAndClosed, Duration.ofSeconds(10))).isTrue();
    assertThat(attempts.started.get()).isEqualTo(2);
    assertThat(registry.http("hedged").endpoint(URI.create(HEDGED.url())).hedgeDelay().currentDelay())
        .contains(Duration.ofMillis(50));
    assertThat(meters.find("tailguard.breaker.state").tag("name", "hedged").meters()).isNotEmpty();
    assertThat(actuator()).contains("\"pipeline\":\"standard-hedging\"").contains("\"currentMillis\":50.0");
  }

  @Test
  void oneFailingEndpointOpensOnlyItsOwnBreakerAndTheOtherKeepsWorking() throws Exception {
    RestClient rest = clients.apply("spread", builder).build();
    HttpResilience spread = registry.http("spread");
    for (int i = 0; i < 3 && spread.endpoint(URI.create(A.url())).breaker().state() != CircuitState.OPEN; i++) {
      try {
        rest.get().uri(A.url() + "/down/" + i).exchange((req, res) -> res.getStatusCode());
      } catch (ResourceAccessException openedDuringTheCall) {
        assertThat(openedDuringTheCall).hasMessageContaining("OPEN");
      }
    }
    assertThat(spread.endpoint(URI.create(A.url())).breaker().state()).isEqualTo(CircuitState.OPEN);
    assertThatThrownBy(() -> rest.get().uri(A.url() + "/down/x").retrieve().toBodilessEntity())
        .isInstanceOf(ResourceAccessException.class).hasMessageContaining("OPEN");
    assertThat(A.hits("GET /down/x")).isZero();

    for (int i = 0; i < 5; i++) {
      assertThat(rest.get().uri(B.url() + "/ok/" + i).retrieve().body(String.class)).isEqualTo("ok");
      assertThat(B.hits("GET /ok/" + i)).isEqualTo(1);
    }
    assertThat(spread.endpoint(URI.create(B.url())).breaker().state()).isEqualTo(CircuitState.CLOSED);

    String snapshot = actuator();
    assertThat(snapshot).contains("\"spread\"").contains(A.url()).contains(B.url()).contains("\"OPEN\"").contains("\"CLOSED\"");
    assertThat(meters.find("tailguard.breaker.state").tag("name", "spread").meters()).isNotEmpty();
  }

  private String actuator() throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/tailguard")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}
