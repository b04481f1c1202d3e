package dev.tailguard.testing.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailguard.idempotency.IdempotencyGuard;
import dev.tailguard.idempotency.InMemoryIdempotencyStore;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour both idempotency filters (JDK {@code HttpServer}, Jakarta Servlet) share, over
 * real HTTP on 127.0.0.1. A subclass starts its server with the filter under test, scoped by the
 * request header {@code Tenant}, in front of a framework-neutral {@link Handler} at {@code /orders}.
 *
 * @since 0.2
 */
public abstract class IdempotencyFilterContract {
  /** What the handler sees of a request. */
  public record Seen(String query, String body, Optional<IdempotencyGuard.Ticket> ticket) {}

  /** The application's handler, as each server adapts it. */
  @FunctionalInterface
  public interface Handler {
    /** Answers with 201 and the returned text. */
    String handle(Seen request) throws Exception;
  }

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicInteger handlerRuns = new AtomicInteger();

  /**
   * Starts a server on 127.0.0.1 whose {@code /orders} runs {@code handler} behind the filter
   * under test on {@code guard}, scoped by the {@code Tenant} header, bodies bounded by {@code
   * maxRequestBytes}; the handler finds its ticket under {@link IdempotencyGuard#TICKET_ATTRIBUTE}.
   *
   * @return the server's base URI, e.g. {@code http://127.0.0.1:40123}
   */
  protected abstract URI start(IdempotencyGuard guard, int maxRequestBytes, Handler handler) throws Exception;

  /** Stops the server started last. */
  protected abstract void stop() throws Exception;

  @AfterEach
  void stopServer() throws Exception {
    stop();
  }

  private URI start(IdempotencyGuard guard, int maxRequestBytes) throws Exception {
    return start(guard, maxRequestBytes, seen -> {
      handlerRuns.incrementAndGet();
      return "transferred " + seen.query();
    });
  }

  private HttpResponse<String> post(URI base, String pathAndQuery, String key, HttpRequest.BodyPublisher body) throws Exception {
    return client.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Tenant", "acme").header("Idempotency-Key", key)
        .timeout(Duration.ofSeconds(10)).POST(body).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Regression (issue 17, item 1): {@code POST /transfer?amount=1000} with the key just used for
   * {@code ?amount=1} was replayed as "transferred amount=1".
   */
  @Test
  public void theQueryStringIsPartOfTheFingerprint() throws Exception {
    URI base = start(IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build(), 1 << 20);
    HttpResponse<String> small = post(base, "/orders?amount=1", "\"t-1\"", HttpRequest.BodyPublishers.ofString("x"));
    assertEquals(201, small.statusCode());
    assertEquals("transferred amount=1", small.body());

    HttpResponse<String> large = post(base, "/orders?amount=1000", "\"t-1\"", HttpRequest.BodyPublishers.ofString("x"));
    assertEquals(422, large.statusCode(), "another query with the same key is another request");
    assertEquals(201, post(base, "/orders?amount=1", "\"t-1\"", HttpRequest.BodyPublishers.ofString("x")).statusCode());
    assertEquals(1, handlerRuns.get());
  }

  /**
   * Regression (issue 17, item 4): the JDK filter read any body whole (a 300 MiB POST grew the
   * heap by 285 MiB and was answered 201). Both filters answer 413 above the bound, whether the
   * length is declared or the body is streamed without one.
   */
  @Test
  public void aBodyOverTheBoundIs413DeclaredOrStreamedAndTheHandlerDoesNotRun() throws Exception {
    URI base = start(IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build(), 1024);
    byte[] tooLarge = new byte[16 * 1024];
    assertEquals(413, post(base, "/orders", "\"b-1\"", HttpRequest.BodyPublishers.ofByteArray(tooLarge)).statusCode());
    assertEquals(413, post(base, "/orders", "\"b-2\"",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge))).statusCode());
    assertEquals(0, handlerRuns.get());
    assertEquals(201, post(base, "/orders", "\"b-3\"", HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).statusCode());
    assertEquals(1, handlerRuns.get());
  }

  /**
   * Regression (issue 17, item 7): behind the filters the handler never saw its ticket, so it
   * could neither resume at a recovery point nor fence its writes.
   */
  @Test
  public void theHandlerSeesItsTicketWithAFencingTokenAndNoRecoveryPointOnAFreshKey() throws Exception {
    List<Optional<IdempotencyGuard.Ticket>> seen = new CopyOnWriteArrayList<>();
    URI base = start(IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).build(), 1 << 20, request -> {
      seen.add(request.ticket());
      request.ticket().orElseThrow().recordPhase("charged");
      return "ok";
    });
    assertEquals(201, post(base, "/orders", "\"r-1\"", HttpRequest.BodyPublishers.ofString("x")).statusCode());
    assertEquals(201, post(base, "/orders", "\"r-2\"", HttpRequest.BodyPublishers.ofString("x")).statusCode());
    assertEquals(2, seen.size());
    IdempotencyGuard.Ticket first = seen.get(0).orElseThrow();
    assertNotNull(first.fencingToken());
    assertFalse(first.recoveryPoint().isPresent());
    assertFalse(first.fencingToken().equals(seen.get(1).orElseThrow().fencingToken()), "every claim has its own token");
  }

  /**
   * Regression (issue 17, item 8): a handler that ran longer than its lease lost the key to its
   * own client's retry, which ran the handler a second time. The lease is renewed while it runs.
   * Real time on 127.0.0.1: a 300 ms lease, a handler held for over three leases.
   */
  @Test
  public void aHandlerRunningLongerThanItsLeaseKeepsItsKey() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(100)).lease(Duration.ofMillis(300)).build();
    URI base = start(guard, 1 << 20, request -> {
      handlerRuns.incrementAndGet();
      started.countDown();
      assertTrue(finish.await(10, TimeUnit.SECONDS));
      return "slow";
    });
    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
      try {
        return post(base, "/orders", "\"l-1\"", HttpRequest.BodyPublishers.ofString("x"));
      } catch (Exception failure) {
        throw new IllegalStateException(failure);
      }
    });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    Thread.sleep(1_000);
    HttpResponse<String> duplicate = post(base, "/orders", "\"l-1\"", HttpRequest.BodyPublishers.ofString("x"));
    finish.countDown();
    assertEquals(409, duplicate.statusCode(), "the running handler's lease was renewed");
    assertEquals(List.of("application/problem+json"), duplicate.headers().allValues("Content-Type"));
    assertTrue(duplicate.headers().firstValue("Retry-After").isPresent());
    assertEquals(201, first.get(10, TimeUnit.SECONDS).statusCode());
    assertEquals(1, handlerRuns.get());
    HttpResponse<String> replay = post(base, "/orders", "\"l-1\"", HttpRequest.BodyPublishers.ofString("x"));
    assertEquals("slow", replay.body());
    assertEquals("true", replay.headers().firstValue("Idempotent-Replayed").orElse(""));
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
