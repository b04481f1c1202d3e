package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.idempotency.IdempotencyStore;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import dev.tailguard.testing.Eventually;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * Tailguard's client against Tailguard's own server filter, both in one Boot application on an
 * embedded Tomcat: with an {@link IdempotencyStore} bean and {@code tailguard.idempotency.enabled}
 * the filter is registered, a repeated keyed POST is replayed, and a keyed POST whose key is still
 * in use is answered 409 "key in use", which the client waits out and asks again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, classes = IdempotencyThroughSpringTest.App.class,
    properties = {
        "tailguard.idempotency.enabled=true",
        "tailguard.http.self.pipeline=standard",
        "tailguard.http.self.max-attempts=8",
        "tailguard.http.self.initial-backoff=10ms"})
class IdempotencyThroughSpringTest {
  static final AtomicInteger RUNS = new AtomicInteger();
  static final CountDownLatch SLOW = new CountDownLatch(1);

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean
    IdempotencyStore store() {
      return new InMemoryIdempotencyStore(1000);
    }

    /** The filter scopes keys by user: every request here is "tester". */
    @Bean
    FilterRegistrationBean<Filter> tester() {
      FilterRegistrationBean<Filter> r = new FilterRegistrationBean<>((request, response, chain) ->
          chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
            @Override
            public Principal getUserPrincipal() {
              return () -> "tester";
            }
          }, response));
      r.setOrder(Ordered.HIGHEST_PRECEDENCE);
      return r;
    }

    @Bean
    Orders orders() {
      return new Orders();
    }
  }

  @RestController
  static class Orders {
    @PostMapping("/orders")
    String create(@RequestBody String body) {
      return "order-" + RUNS.incrementAndGet();
    }

    @PostMapping("/orders/slow")
    String slow(@RequestBody String body) throws InterruptedException {
      int run = RUNS.incrementAndGet();
      SLOW.await(10, TimeUnit.SECONDS);
      return "order-" + run;
    }
  }

  @Autowired RestClient.Builder builder;
  @Autowired TailguardRestClients clients;
  @Autowired org.springframework.context.ApplicationContext context;
  @LocalServerPort int port;

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  @Test
  void theFilterIsRegisteredAndARepeatedKeyedPostIsReplayed() {
    assertThat(context.getBean("tailguardIdempotencyFilter", FilterRegistrationBean.class).getFilter())
        .isInstanceOf(dev.tailguard.idempotency.servlet.IdempotencyServletFilter.class);
    RestClient rest = clients.apply("self", builder).build();
    int before = RUNS.get();
    ResponseEntity<String> first = rest.post().uri(url("/orders")).header("Idempotency-Key", "\"dup-1\"").body("{}")
        .retrieve().toEntity(String.class);
    ResponseEntity<String> second = rest.post().uri(url("/orders")).header("Idempotency-Key", "\"dup-1\"").body("{}")
        .retrieve().toEntity(String.class);
    assertThat(second.getBody()).isEqualTo(first.getBody());
    assertThat(second.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
    assertThat(first.getHeaders().getFirst("Idempotent-Replayed")).isNull();
    assertThat(RUNS.get() - before).isEqualTo(1);
  }

  @Test
  void aKeyStillInUseIsWaitedOutAndAskedAgainNeverReturnedAs409() throws Exception {
    int before = RUNS.get();
    // Someone else's request with the same key and body holds it while its handler runs.
    CompletableFuture<HttpResponse<String>> holder = HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(URI.create(url("/orders/slow"))).header("Idempotency-Key", "\"busy-1\"")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(Eventually.holds(() -> RUNS.get() == before + 1, Duration.ofSeconds(10))).isTrue();

    RecordingInterceptor attempts = new RecordingInterceptor();
    RestClient rest = clients.apply("self", builder).requestInterceptor(attempts).build();
    CompletableFuture<ResponseEntity<String>> ours;
    try {
      ours = CompletableFuture.supplyAsync(() -> rest.post().uri(url("/orders/slow"))
          .header("Idempotency-Key", "\"busy-1\"").body("{}").retrieve().toEntity(String.class));
      assertThat(Eventually.holds(() -> attempts.statuses.contains(409), Duration.ofSeconds(10))).isTrue();
    } finally {
      SLOW.countDown();     // a held handler would hold the server's graceful shutdown too
    }

    ResponseEntity<String> answer = ours.get(30, TimeUnit.SECONDS);
    assertThat(answer.getStatusCode().value()).isEqualTo(200);
    assertThat(answer.getBody()).isEqualTo(holder.get(30, TimeUnit.SECONDS).body());
    assertThat(answer.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
    assertThat(RUNS.get() - before).isEqualTo(1);
    assertThat(attempts.statuses).startsWith(409).endsWith(200);
    assertThat(Eventually.holds(attempts::allEndedAndClosed, Duration.ofSeconds(10))).isTrue();
  }
}
