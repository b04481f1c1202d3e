package dev.tailguard.http;

import static dev.tailguard.http.LoopbackHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.CircuitState;
import dev.tailguard.testing.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link HttpResilience}: the standard pipelines, per-endpoint breakers, on real servers on 127.0.0.1. */
class HttpResilienceTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @Test
  void standardRetriesA503HonouringRetryAfterAndReturnsTheAnswer() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(
        status(503, "busy", "Retry-After", "0"), status(503, "busy", "Retry-After", "0"), status(200, "ok"))) {
      HttpClient client = HttpResilience.standard().build().client(HttpClient.newHttpClient());
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri("/a")).build(), BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("ok");
      assertThat(server.received()).hasSize(3);
      assertThat(server.awaitNoOpenExchanges(LIMIT)).isZero();
    }
  }

  @Test
  void standardSendsAKeylessPostOnce() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy", "Retry-After", "0"), status(200, "ok"))) {
      HttpClient client = HttpResilience.standard().build().client(HttpClient.newHttpClient());
      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(server.uri("/pay")).POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(server.received()).hasSize(1);
    }
  }

  @Test
  void eachEndpointHasItsOwnBreaker() throws Exception {
    try (LoopbackHttpServer failing = new LoopbackHttpServer(status(503, "down"));
        LoopbackHttpServer healthy = new LoopbackHttpServer(status(200, "ok"))) {
      HttpResilience resilience = HttpResilience.standard().maxAttempts(1)
          .breaker(b -> b.minimumCalls(3).countWindow(3)).build();
      HttpClient client = resilience.client(HttpClient.newHttpClient());
      for (int i = 0; i < 3; i++) {
        assertThat(client.send(HttpRequest.newBuilder(failing.uri("/x?user=" + i)).build(), BodyHandlers.ofString())
            .statusCode()).isEqualTo(503);
      }
      assertThat(resilience.endpoint(failing.uri("/")).breaker().state()).isEqualTo(CircuitState.OPEN);
      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(failing.uri("/x")).build(), BodyHandlers.ofString()))
          .isInstanceOf(TailguardHttpException.class).hasCauseInstanceOf(CircuitOpenException.class);
      assertThat(failing.received()).hasSize(3);
      // The other endpoint is not affected, and paths and queries did not make endpoints of their own.
      assertThat(client.send(HttpRequest.newBuilder(healthy.uri("/y")).build(), BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      assertThat(resilience.endpoint(healthy.uri("/")).breaker().state()).isEqualTo(CircuitState.CLOSED);
      assertThat(resilience.endpoints().snapshot()).hasSize(2);
    }
  }

  @Test
  void standardHedgingHedgesAtOnceAfterARetryable503AndKeepsAnAdaptiveDelayPerEndpoint() throws Exception {
    try (LoopbackHttpServer server = new LoopbackHttpServer(status(503, "busy"), status(200, "ok"))) {
      HttpResilience resilience = HttpResilience.standardHedging().build();
      HttpClient client = resilience.client(HttpClient.newHttpClient());
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri("/h")).build(), BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(server.received()).hasSize(2);
      HttpResilience.Endpoint endpoint = resilience.endpoint(server.uri("/"));
      assertThat(endpoint.hedgeDelay()).isNotNull();
      assertThat(endpoint.hedgePolicy().maxAttempts()).isEqualTo(2);
      assertThat(endpoint.retryPolicy()).isNull();
    }
  }

  @Test
  void aFixedHedgeDelayReplacesTheAdaptiveOneOnEveryEndpoint() {
    HttpResilience fixed = HttpResilience.standardHedging().hedgeDelay(Duration.ofMillis(50)).build();
    HttpResilience.Endpoint a = fixed.endpoint(URI.create("https://a.example/"));
    HttpResilience.Endpoint b = fixed.endpoint(URI.create("https://b.example/"));
    assertThat(a.hedgeDelay().currentDelay()).contains(Duration.ofMillis(50));
    assertThat(a.hedgePolicy().delay()).isSameAs(a.hedgeDelay());
    assertThat(b.hedgeDelay().currentDelay()).contains(Duration.ofMillis(50));
    assertThat(HttpResilience.standardHedging().build().endpoint(URI.create("https://a.example/")).hedgeDelay().currentDelay())
        .isEmpty();
    assertThatThrownBy(() -> HttpResilience.standardHedging().hedgeDelay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hedgeDelay").hasMessageContaining("-0.001");
  }

  @Test
  void endpointsAreSchemeHostAndPortNeverPathQueryOrUser() {
    assertThat(HttpResilience.endpointOf(URI.create("HTTPS://User:pw@API.Example.com/a/b?token=1")))
        .isEqualTo("https://api.example.com:443");
    assertThat(HttpResilience.endpointOf(URI.create("http://127.0.0.1:8080/x"))).isEqualTo("http://127.0.0.1:8080");
    assertThat(HttpResilience.endpointOf(URI.create("http://h/"))).isEqualTo("http://h:80");
    assertThatThrownBy(() -> HttpResilience.endpointOf(URI.create("/relative")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/relative");
  }

  @Test
  void idleEndpointsAreForgottenOnTheInjectedClockAndTheCountIsBounded() {
    FakeClock clock = new FakeClock();
    HttpResilience resilience = HttpResilience.standard().clock(clock).scheduler(clock)
        .maxEndpoints(10).endpointIdleExpiry(Duration.ofMinutes(1)).build();
    for (int i = 0; i < 100; i++) {
      resilience.endpoint(URI.create("https://host-" + i + ".example/"));
    }
    assertThat(resilience.endpoints().size()).isLessThanOrEqualTo(10);
    clock.advance(Duration.ofMinutes(2));
    assertThat(resilience.endpoints().size()).isZero();
  }

  @Test
  void defaultsAreTheDocumentedOnesAndEachIsOverridable() {
    HttpResilience standard = HttpResilience.standard().build();
    HttpResilience.Endpoint endpoint = standard.endpoint(URI.create("https://a.example/"));
    assertThat(endpoint.retryPolicy().maxAttempts()).isEqualTo(4);
    assertThat(endpoint.retryPolicy().deadline()).contains(Duration.ofSeconds(30));
    assertThat(endpoint.retryPolicy().admission()).isSameAs(standard.budget());
    assertThat(standard.budget().state().kind()).containsIgnoringCase("token");
    assertThat(standard.budget().state().capacity()).as("the token bucket's 10 tokens").isEqualTo(10.0);
    assertThat(standard.attemptTimeout().duration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(endpoint.breaker().config().failureRateThreshold()).isEqualTo(0.5);
    assertThat(endpoint.breaker().config().minimumCalls()).isEqualTo(20);
    assertThat(endpoint.breaker().config().openDuration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(endpoint.breaker().config().name()).isEqualTo("https://a.example:443");
    // The README's table: backoff, and the breaker's 30 s window.
    assertThat(endpoint.retryPolicy().backoff())
        .isEqualTo(Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(10)).withJitter(dev.tailguard.Jitter.full()));
    assertThat(endpoint.breaker().config().windowDuration()).isEqualTo(Duration.ofSeconds(30));

    HttpResilience custom = HttpResilience.standard().maxAttempts(2).totalDeadline(Duration.ofSeconds(3))
        .backoff(Backoff.fixed(Duration.ofMillis(1))).attemptTimeout(Duration.ofMillis(500))
        .breaker(b -> b.failureRateThreshold(0.2)).build();
    HttpResilience.Endpoint e = custom.endpoint(URI.create("https://a.example/"));
    assertThat(e.retryPolicy().maxAttempts()).isEqualTo(2);
    assertThat(e.retryPolicy().deadline()).contains(Duration.ofSeconds(3));
    assertThat(e.breaker().config().failureRateThreshold()).isEqualTo(0.2);
    assertThat(custom.attemptTimeout().duration()).isEqualTo(Duration.ofMillis(500));

    HttpResilience hedging = HttpResilience.standardHedging().build();
    assertThat(hedging.endpoint(URI.create("https://a.example/")).hedgePolicy().deadline()).contains(Duration.ofSeconds(30));
    assertThat(hedging.budget().state().kind()).containsIgnoringCase("ratio");
    HttpResilience.Endpoint hedged = hedging.endpoint(URI.create("https://a.example/"));
    assertThat(hedged.hedgePolicy().maxAttempts()).isEqualTo(2);
    assertThat(hedging.attemptTimeout().duration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(hedged.breaker().config().failureRateThreshold()).isEqualTo(0.5);
    assertThat(hedged.breaker().config().minimumCalls()).isEqualTo(20);
    assertThat(hedged.breaker().config().windowDuration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(hedged.breaker().config().openDuration()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void badSettingsNameTheSettingAndValue() {
    assertThatThrownBy(() -> HttpResilience.standard().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts").hasMessageContaining("0");
    assertThatThrownBy(() -> HttpResilience.standardHedging().maxAttempts(11))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11");
    assertThatThrownBy(() -> HttpResilience.standardHedging().hedgeBudget(1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hedgeBudget").hasMessageContaining("1.5");
    assertThatThrownBy(() -> HttpResilience.standard().totalDeadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("totalDeadline");
  }
  @Test
  void endpointsKeepAnExplicitPortZeroAndGiveUnknownSchemesNoDefaultPort() {
    assertThat(HttpResilience.endpointOf(URI.create("http://h:0/x"))).isEqualTo("http://h:0");
    assertThat(HttpResilience.endpointOf(URI.create("ftp://Files.Example/x"))).isEqualTo("ftp://files.example");
    assertThatThrownBy(() -> HttpResilience.endpointOf(URI.create("mailto:a@b.example")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void applyToGivesAnAdapterTheAttemptTimeoutOnlyWhenThereIsOne() {
    HttpResilience timed = HttpResilience.standard().attemptTimeout(Duration.ofMillis(700)).build();
    HttpResilience.Endpoint endpoint = timed.endpoint(URI.create("https://a.example/"));
    ResilientHttpClient.Builder adapter = timed.applyTo(ResilientHttpClient.builder(), endpoint);
    assertThat(adapter.timeout()).isSameAs(timed.attemptTimeout());
    assertThat(adapter.retryPolicy()).isSameAs(endpoint.retryPolicy());
    assertThat(adapter.circuitBreaker()).isSameAs(endpoint.breaker());

    HttpResilience untimed = HttpResilience.standard().noAttemptTimeout().build();
    assertThat(untimed.attemptTimeout()).isNull();
    assertThat(untimed.applyTo(ResilientHttpClient.builder(), untimed.endpoint(URI.create("https://a.example/"))).timeout())
        .isNull();
  }

  @Test
  void everyNewEndpointIsAnnouncedOnce() {
    java.util.List<String> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpResilience resilience = HttpResilience.standard().onNewEndpoint(e -> announced.add(e.name())).build();

    resilience.endpoint(URI.create("https://a.example/x"));
    resilience.endpoint(URI.create("https://a.example/y"));
    resilience.endpoint(URI.create("https://b.example/"));

    assertThat(announced).containsExactly("https://a.example:443", "https://b.example:443");
  }

  @Test
  void settingsAreReportedAsGiven() {
    FakeClock clock = new FakeClock();
    HttpStatusPolicy statuses = HttpStatusPolicy.of(503);
    dev.tailguard.RetryAdmission budget = dev.tailguard.RetryBudget.tokenBucket().clock(clock).build();
    HttpResilience resilience = HttpResilience.standard().retryableStatuses(statuses).serverHonoursIdempotencyKey(true)
        .budget(budget).clock(clock).scheduler(clock).build();

    assertThat(resilience.kind()).isEqualTo(HttpResilience.Kind.STANDARD);
    assertThat(resilience.retryableStatuses()).isSameAs(statuses);
    assertThat(resilience.serverHonoursIdempotencyKey()).isTrue();
    assertThat(HttpResilience.standard().build().serverHonoursIdempotencyKey()).isFalse();
    assertThat(resilience.budget()).isSameAs(budget);
    assertThat(resilience.clock()).isSameAs(clock);
    assertThat(resilience.scheduler()).isSameAs(clock);
    assertThat(HttpResilience.standardHedging().build().kind()).isEqualTo(HttpResilience.Kind.STANDARD_HEDGING);
    assertThat(resilience.toString()).startsWith("HttpResilience{STANDARD, deadline=PT30S, maxAttempts=4");
  }

  @Test
  void boundarySettingsAreAcceptedAndTheRangeInTheMessageIsTheKinds() {
    assertThat(HttpResilience.standard().maxAttempts(1).build().endpoint(URI.create("https://a.example/"))
        .retryPolicy().maxAttempts()).isEqualTo(1);
    assertThat(HttpResilience.standardHedging().maxAttempts(10).build().endpoint(URI.create("https://a.example/"))
        .hedgePolicy().maxAttempts()).isEqualTo(10);
    assertThat(HttpResilience.standard().maxEndpoints(1).build().endpoints().maxSize()).isEqualTo(1);
    assertThatThrownBy(() -> HttpResilience.standard().maxEndpoints(0)).hasMessageContaining("maxEndpoints");
    assertThatThrownBy(() -> HttpResilience.standard().maxAttempts(0)).hasMessage("maxAttempts must be in [1, 2147483647]: 0");
    assertThatThrownBy(() -> HttpResilience.standardHedging().maxAttempts(0)).hasMessage("maxAttempts must be in [1, 10]: 0");
    assertThatThrownBy(() -> HttpResilience.standardHedging().hedgeBudget(0)).hasMessageContaining("hedgeBudget");
    assertThatThrownBy(() -> HttpResilience.standardHedging().hedgeBudget(1)).hasMessageContaining("hedgeBudget");
    HttpResilience hedging = HttpResilience.standardHedging().hedgeBudget(0.25).build();
    assertThat(hedging.budget().state().kind()).containsIgnoringCase("ratio");
  }
}
