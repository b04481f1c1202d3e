package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.CircuitState;
import dev.tailguard.http.HttpResilience;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatusCode;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * The starter in a real Boot application on an embedded Tomcat, calling a real JDK HttpServer on
 * 127.0.0.1 through a {@code RestClient} configured only in properties.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoints.web.exposure.include=tailguard,health",
    "management.endpoint.health.show-details=always",
    "tailguard.health.enabled=true",
    "tailguard.budget.default.max-tokens=100",
    "tailguard.retry.default.max-attempts=3",
    "tailguard.retry.payments.max-attempts=5",
    "tailguard.retry.payments.budget=default",
    "tailguard.circuit-breaker.default.minimum-calls=3",
    "tailguard.circuit-breaker.default.window-size=3",
    "tailguard.http.backend.pipeline=standard",
    "tailguard.http.backend.initial-backoff=1ms",
    "tailguard.http.backend.circuit-breaker=default",
    "tailguard.http.backend.budget=default"})
class TailguardSpringBootTest {
  static final FlakyBackend BACKEND = startBackend();

  static FlakyBackend startBackend() {
    try {
      return new FlakyBackend();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @DynamicPropertySource
  static void backendUrl(DynamicPropertyRegistry registry) {
    registry.add("tailguard.http.backend.base-url", BACKEND::url);
  }

  @AfterAll
  static void stop() {
    BACKEND.close();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Autowired TailguardRegistry registry;
  @Autowired TailguardRestClients clients;
  @Autowired RestClient.Builder builder;
  @Autowired MeterRegistry meters;
  @LocalServerPort int port;

  @org.junit.jupiter.api.BeforeEach
  void closeTheBackendsBreaker() {
    // Tests share the endpoint: each starts from a closed breaker with an empty window.
    resetBackendBreaker();
  }

  void resetBackendBreaker() {
    dev.tailguard.CircuitBreaker breaker = registry.http("backend").endpoint(URI.create(BACKEND.url())).breaker();
    breaker.transitionToOpen();     // closing a closed breaker keeps its window: go through OPEN
    breaker.transitionToClosed();
  }

  @Test
  void namedInstancesAreBoundWithSharedDefaultsAndOverrides() {
    assertThat(registry.retry("payments").maxAttempts()).isEqualTo(5);
    assertThat(registry.retry("default").maxAttempts()).isEqualTo(3);
    assertThat(registry.retry("payments").admission()).isSameAs(registry.budget("default"));
    assertThat(registry.circuitBreaker("default").config().minimumCalls()).isEqualTo(3);
    assertThat(registry.http("backend").kind()).isEqualTo(HttpResilience.Kind.STANDARD);
  }

  @Test
  void aRestClientFromBootsBuilderRetriesA503AndSendsAKeylessPostOnce() {
    RestClient rest = clients.apply("backend", builder).build();
    String body = rest.get().uri("/flaky/get").retrieve().body(String.class);
    assertThat(body).isEqualTo("ok");
    assertThat(BACKEND.hits("GET /flaky/get")).isEqualTo(2);

    HttpStatusCode status = rest.post().uri("/flaky/post").body("{}").exchange((req, res) -> res.getStatusCode());
    assertThat(status.value()).isEqualTo(503);
    assertThat(BACKEND.hits("POST /flaky/post")).isEqualTo(1);

    HttpStatusCode keyed = rest.post().uri("/flaky/keyed").header("Idempotency-Key", "\"k-1\"").body("{}")
        .exchange((req, res) -> res.getStatusCode());
    assertThat(keyed.value()).isEqualTo(200);
    assertThat(BACKEND.hits("POST /flaky/keyed")).isEqualTo(2);
  }

  @Test
  void aBreakerOpensPerEndpointAndTheActuatorShowsItAndMetricsArePresent() throws Exception {
    RestClient rest = clients.apply("backend", builder).build();
    // Every attempt answers 503; after 3 failed attempts (minimum-calls 3) the endpoint's breaker
    // opens. How many attempts each call makes depends on the shared budget other tests used.
    dev.tailguard.CircuitBreaker breaker = registry.http("backend").endpoint(URI.create(BACKEND.url())).breaker();
    for (int i = 0; i < 3 && breaker.state() != CircuitState.OPEN; i++) {
      try {
        rest.get().uri("/down/" + i).exchange((req, res) -> res.getStatusCode());
      } catch (ResourceAccessException openedDuringTheCall) {
        assertThat(openedDuringTheCall).hasMessageContaining("OPEN");
      }
    }
    HttpResilience.Endpoint endpoint = registry.http("backend").endpoint(URI.create(BACKEND.url()));
    assertThat(endpoint.breaker().state()).isEqualTo(CircuitState.OPEN);
    assertThatThrownBy(() -> rest.get().uri("/down/x").retrieve().toBodilessEntity())
        .isInstanceOf(ResourceAccessException.class).hasMessageContaining("OPEN");
    assertThat(BACKEND.hits("GET /down/x")).isZero();

    HttpResponse<String> actuator = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/tailguard")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(actuator.statusCode()).isEqualTo(200);
    assertThat(actuator.body()).contains("\"backend\"").contains(BACKEND.url())
        .contains("\"OPEN\"").contains("circuitBreakers").contains("budgets");

    assertThat(meters.find("tailguard.breaker.state").tag("name", "backend").meters()).isNotEmpty();
    assertThat(meters.find("tailguard.calls").tag("name", "payments").meters()).isNotEmpty();
    assertThat(meters.find("tailguard.budget.level").tag("name", "default").gauge()).isNotNull();
  }

  @Autowired TailguardExchangeFilterFunction webFilter;

  @Test
  void aWebClientWithTheFilterRetriesA503AndSendsAKeylessPostOnce() {
    org.springframework.web.reactive.function.client.WebClient web =
        org.springframework.web.reactive.function.client.WebClient.builder().baseUrl(BACKEND.url())
            .clientConnector(new org.springframework.http.client.reactive.JdkClientHttpConnector()).filter(webFilter).build();
    assertThat(web.get().uri("/flaky/web").retrieve().bodyToMono(String.class).block(java.time.Duration.ofSeconds(30)))
        .isEqualTo("ok");
    assertThat(BACKEND.hits("GET /flaky/web")).isEqualTo(2);
    Integer status = web.post().uri("/flaky/webpost").bodyValue("{}")
        .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value()))
        .block(java.time.Duration.ofSeconds(30));
    assertThat(status).isEqualTo(503);
    assertThat(BACKEND.hits("POST /flaky/webpost")).isEqualTo(1);
  }

  @Autowired org.springframework.web.reactive.function.client.WebClient.Builder webClientBuilder;
  @Autowired TailguardWebClients webClients;

  @Test
  void bootsWebClientBuilderRoutesAConfiguredClientAndApplyGivesItsPoliciesReleasingDiscardedBodies() {
    TrackingConnector connector = new TrackingConnector();
    // The customizer put the routing filter on Boot's builder: a URL under backend's base URL is retried.
    org.springframework.web.reactive.function.client.WebClient routed = webClientBuilder.clone().clientConnector(connector).build();
    assertThat(routed.get().uri(BACKEND.url() + "/flaky/wroute").retrieve().bodyToMono(String.class)
        .block(java.time.Duration.ofSeconds(30))).isEqualTo("ok");
    assertThat(BACKEND.hits("GET /flaky/wroute")).isEqualTo(2);

    resetBackendBreaker();     // a window of 3 with 2 failures in it would be open
    // apply() sets the base URL; the 503 it retries has its body released, not left unread.
    org.springframework.web.reactive.function.client.WebClient named =
        webClients.apply("backend", webClientBuilder.clone().clientConnector(connector)).build();
    assertThat(named.get().uri("/flaky/wnamed").retrieve().bodyToMono(String.class)
        .block(java.time.Duration.ofSeconds(30))).isEqualTo("ok");
    assertThat(BACKEND.hits("GET /flaky/wnamed")).isEqualTo(2);
    assertThat(connector.released).hasSize(4);
    assertThat(dev.tailguard.testing.Eventually.holds(connector::allReleased, java.time.Duration.ofSeconds(10))).isTrue();
  }

  @Autowired org.springframework.boot.restclient.RestTemplateBuilder restTemplates;

  @Test
  void aRestTemplateFromBootsBuilderRetriesA503AndSendsAKeylessPostOnce() {
    org.springframework.web.client.RestTemplate template = restTemplates.build();
    assertThat(template.getForObject(BACKEND.url() + "/flaky/template", String.class)).isEqualTo("ok");
    assertThat(BACKEND.hits("GET /flaky/template")).isEqualTo(2);
    assertThatThrownBy(() -> template.postForObject(BACKEND.url() + "/flaky/templatepost", "{}", String.class))
        .isInstanceOf(org.springframework.web.client.HttpServerErrorException.ServiceUnavailable.class);
    assertThat(BACKEND.hits("POST /flaky/templatepost")).isEqualTo(1);
  }

  @Test
  void theOptInHealthIsDownWhileANamedBreakerIsOpenAndUpOnceItCloses() throws Exception {
    dev.tailguard.CircuitBreaker breaker = registry.circuitBreaker("default");
    try {
      breaker.transitionToOpen();
      HttpResponse<String> down = get("/actuator/health/tailguard");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).contains("\"DOWN\"").contains("openCircuitBreakers").contains("\"default\":\"OPEN\"");
      HttpResponse<String> all = get("/actuator/health");
      assertThat(all.statusCode()).isEqualTo(503);
      assertThat(all.body()).contains("\"DOWN\"");
    } finally {
      breaker.transitionToClosed();
    }
    // An HTTP client's endpoint breakers are not named breakers: one open leaves the health UP.
    registry.http("backend").endpoint(URI.create(BACKEND.url())).breaker().transitionToOpen();
    HttpResponse<String> up = get("/actuator/health/tailguard");
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body()).contains("\"UP\"");
  }

  private HttpResponse<String> get(String path) throws java.io.IOException, InterruptedException {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aBadPropertyFailsStartUpNamingItsPathAndValue() {
    assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
            .properties("spring.main.web-application-type=none", "tailguard.retry.orders.max-attempts=0")
            .run().close())
        .hasStackTraceContaining("tailguard.retry.orders.max-attempts").hasStackTraceContaining("0");
    assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
            .properties("spring.main.web-application-type=none", "tailguard.http.x.pipeline=fancy")
            .run().close())
        .hasStackTraceContaining("tailguard.http.x.pipeline").hasStackTraceContaining("fancy");
    assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
            .properties("spring.main.web-application-type=none", "tailguard.retry.orders.budget=missing")
            .run().close())
        .hasStackTraceContaining("tailguard.retry.orders.budget").hasStackTraceContaining("missing");
  }
}
