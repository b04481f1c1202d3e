package dev.tailguard.okhttp;

import static dev.tailguard.okhttp.ConformanceServer.Reply.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.RetryPolicy;
import dev.tailguard.http.NotRetriedException;
import dev.tailguard.http.ResilientHttpClient;
import dev.tailguard.http.TailguardHttpException;
import dev.tailguard.okhttp.ConformanceServer.Received;
import dev.tailguard.okhttp.ConformanceServer.Reply;
import dev.tailguard.testing.Eventually;
import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's "Both follow the same rules" list, run against both adapters on both protocols:
 * {@link ResilientHttpClient} over HTTP/1.1 and h2c, OkHttp over HTTP/1.1 and h2c with prior
 * knowledge, all against one Jetty server on 127.0.0.1. What the server received is the oracle for
 * every "sent once / sent N times" rule. After each scenario nothing may be left open: no OkHttp
 * response whose body was neither ended nor failed, no JDK body neither completed nor failed, no exchange still
 * running on the server, no Tailguard timer pending.
 *
 * <p>{@code -Dtailguard.conformance.hedgedCalls=N} sets how many hedged calls the leak run makes
 * per transport (default 200).
 */
@Timeout(180)
class HttpConformanceTest {
  enum Transport {
    JDK_HTTP_1_1, JDK_H2C, OKHTTP_HTTP_1_1, OKHTTP_H2C;

    boolean jdk() {
      return this == JDK_HTTP_1_1 || this == JDK_H2C;
    }
  }

  /** An answer as the caller saw it, whichever adapter. */
  record Answer(int status, String body, String retryAfter) {}

  /** One adapter under test, built with the scenario's policy. */
  interface Caller {
    Answer send(String method, String path, String body, Map<String, String> headers) throws Exception;
  }

  /** "Now" for HTTP-date hints, on both adapters. */
  private static final Instant NOW = Instant.parse("2026-12-03T08:00:00Z");
  private static final java.time.Clock WALL = java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC);

  private final FakeClock clock = new FakeClock();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final OkHttpSendsOnlyWhatTailguardAllowsTest.CallCounter okCalls = new OkHttpSendsOnlyWhatTailguardAllowsTest.CallCounter();
  /** JDK body subscribers the client subscribed: from then on the stream owes them an end. */
  private final AtomicInteger jdkBodiesOpened = new AtomicInteger();
  /** JDK body subscribers created (headers arrived), subscribed or not; see {@link #countedStrings}. */
  private final AtomicInteger jdkBodiesCreated = new AtomicInteger();
  private final AtomicInteger jdkBodiesEnded = new AtomicInteger();
  private ConformanceServer server;
  private OkHttpClient okBase;

  @BeforeEach
  void start() throws Exception {
    server = new ConformanceServer();
  }

  @AfterEach
  void nothingLeftOpen() throws Exception {
    try {
      Eventually.holds(() -> server.inFlight.get() == 0, Duration.ofSeconds(10));
      // Responses opened (headers arrived) and closed (body ended or failed), and every OkHttp
      // call ended (callEnd or callFailed): a call that never ends keeps its connection allocated.
      Eventually.holds(() -> okCalls.responsesOpen.isEmpty(), Duration.ofSeconds(10));
      Eventually.holds(() -> okCalls.open() == 0, Duration.ofSeconds(10));
      Eventually.holds(() -> jdkBodiesOpened.get() == jdkBodiesEnded.get(), Duration.ofSeconds(10));
      clock.assertNoPendingTasks();
    } finally {
      if (okBase != null) {
        okBase.connectionPool().evictAll();
      }
      server.close();
    }
  }

  private RetryPolicy.Builder retry(int attempts) {
    return RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.fixed(Duration.ofMillis(100))).onRetry(event -> waits.add(event.delay()));
  }

  /** A scenario's policy: a retry or a hedge, on fake time or not, and the two HTTP-specific settings. */
  record Setup(RetryPolicy retry, HedgePolicy hedge, boolean fakeTime, boolean honoursKeys, String attemptHeader) {
    Setup honouringKeys() {
      return new Setup(retry, hedge, fakeTime, true, attemptHeader);
    }

    Setup withAttemptHeader(String name) {
      return new Setup(retry, hedge, fakeTime, honoursKeys, name);
    }
  }

  private static Setup retrying(RetryPolicy policy) {
    return new Setup(policy, null, true, false, null);
  }

  private static Setup hedging(HedgePolicy policy, boolean fakeTime) {
    return new Setup(null, policy, fakeTime, false, null);
  }

  private <B extends AdapterBuilder<B>> void common(B builder, Setup setup) {
    if (setup.fakeTime()) {
      builder.clock(clock).scheduler(clock);
    }
    if (setup.retry() != null) {
      builder.retry(setup.retry());
    }
  }

  private Caller caller(Transport transport, Setup setup) {
    if (transport.jdk()) {
      HttpClient jdk = HttpClient.newBuilder().version(transport == Transport.JDK_H2C ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      ResilientHttpClient.Builder builder = ResilientHttpClient.builder().client(jdk).serverHonoursIdempotencyKey(setup.honoursKeys())
          .wallClock(WALL);
      if (setup.attemptHeader() != null) {
        builder.attemptCountHeader(setup.attemptHeader());
      }
      common(builder, setup);
      if (setup.hedge() != null) {
        builder.hedge(setup.hedge());
      }
      ResilientHttpClient client = builder.build();
      return (method, path, body, headers) -> {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
        headers.forEach(request::header);
        HttpResponse<String> response = client.send(request.build(), countedStrings());
        return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Retry-After").orElse(null));
      };
    }
    okBase = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).eventListener(okCalls)
        .protocols(transport == Transport.OKHTTP_H2C ? List.of(Protocol.H2_PRIOR_KNOWLEDGE) : List.of(Protocol.HTTP_1_1)).build();
    TailguardInterceptor.Builder builder = TailguardInterceptor.builder().serverHonoursIdempotencyKey(setup.honoursKeys()).wallClock(WALL);
    if (setup.attemptHeader() != null) {
      builder.attemptCountHeader(setup.attemptHeader());
    }
    common(builder, setup);
    if (setup.hedge() != null) {
      builder.hedge(setup.hedge());
    }
    OkHttpClient client = TailguardOkHttp.wrap(okBase, builder.build());
    return (method, path, body, headers) -> {
      okhttp3.Request.Builder request = new okhttp3.Request.Builder().url(url(path))
          .method(method, body == null ? null : RequestBody.create(body, null));
      headers.forEach(request::header);
      try (Response response = client.newCall(request.build()).execute()) {
        return new Answer(response.code(), response.body().string(), response.header("Retry-After"));
      }
    };
  }

  /** A path on the conformance server, or an absolute URL as it is. */
  private String url(String path) {
    return path.startsWith("http:") ? path : server.url(path);
  }

  /**
   * ofString, counting bodies the JDK subscribed and bodies that ended (completed or failed). A
   * body is "open" from {@code onSubscribe}, not from the handler call: JDK 17's HTTP/2 stream
   * ({@code Stream.receiveData}) calls the handler once the headers are in but, when the exchange
   * was cancelled meanwhile, fails the exchange without ever subscribing or signalling that
   * subscriber. It never got a subscription, so it holds no stream and no buffer, and the caller
   * never sees a response for it; JDK 25 subscribes and fails it (see {@link #jdkBodiesCreated}).
   */
  private BodyHandler<String> countedStrings() {
    return info -> {
      jdkBodiesCreated.incrementAndGet();
      BodySubscriber<String> strings = BodyHandlers.ofString().apply(info);
      return new BodySubscriber<>() {
        @Override public CompletionStage<String> getBody() {
          return strings.getBody();
        }

        @Override public void onSubscribe(Flow.Subscription subscription) {
          jdkBodiesOpened.incrementAndGet();
          strings.onSubscribe(subscription);
        }

        @Override public void onNext(List<ByteBuffer> item) {
          strings.onNext(item);
        }

        @Override public void onError(Throwable throwable) {
          jdkBodiesEnded.incrementAndGet();
          strings.onError(throwable);
        }

        @Override public void onComplete() {
          jdkBodiesEnded.incrementAndGet();
          strings.onComplete();
        }
      };
    };
  }

  /** Runs a call on fake time: backoffs and hints are recorded in {@link #waits}, never slept. */
  private Answer send(Caller caller, String method, String path, String body, Map<String, String> headers) throws Exception {
    return FakeTimeDriver.drive(clock, () -> caller.send(method, path, body, headers));
  }

  private Throwable failure(Caller caller, String method, String path, String body) {
    try {
      Answer answer = send(caller, method, path, body, Map.of());
      throw new AssertionError("expected a failure, got " + answer);
    } catch (Exception e) {
      return e;
    }
  }

  // ---- What may be sent twice ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void getAnswered503_isSentExactlyMaxAttemptsTimes_andTheLastAnswerReachesTheCaller(Transport transport) throws Exception {
    server.script(r -> status(503, "busy " + r.number(), "Retry-After", "0"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    Answer answer = send(caller, "GET", "/", null, Map.of());

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body()).isEqualTo("busy 2");
    assertThat(server.count()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void keylessPost_withDefaults_isSentOnceWithoutAKey_whenRetrying(Transport transport) throws Exception {
    server.script(r -> status(503, "busy", "Retry-After", "0"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    assertThat(send(caller, "POST", "/orders", "item=1", Map.of()).status()).isEqualTo(503);

    assertThat(server.count()).isEqualTo(1);
    assertThat(server.received.get(0).header("Idempotency-Key")).isNull();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void keylessPost_withDefaults_isSentOnce_whenHedging(Transport transport) throws Exception {
    server.script(r -> status(200, "order " + r.number()));
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ZERO)).build(), true));

    assertThat(send(caller, "POST", "/orders", "item=1", Map.of()).body()).isEqualTo("order 0");

    assertThat(server.count()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void postWithTheCallersKey_isRetriedWithThatKeyAndTheSameBody(Transport transport) throws Exception {
    server.script(r -> r.number() < 2 ? status(503, "busy") : status(201, "created"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    assertThat(send(caller, "POST", "/orders", "item=1", Map.of("Idempotency-Key", "\"order-42\"")).status()).isEqualTo(201);

    assertThat(server.received).extracting(r -> r.header("Idempotency-Key")).containsExactly("\"order-42\"", "\"order-42\"", "\"order-42\"");
    assertThat(server.received).extracting(Received::body).containsOnly("item=1");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverHonoursIdempotencyKey_addsOneQuotedUuidKeyReusedOnEveryAttempt(Transport transport) throws Exception {
    server.script(r -> r.number() < 1 ? status(503, "busy") : status(201, "created"));
    Caller caller = caller(transport, retrying(retry(3).build()).honouringKeys());

    assertThat(send(caller, "POST", "/orders", "item=1", Map.of()).status()).isEqualTo(201);

    assertThat(server.count()).isEqualTo(2);
    String key = server.received.get(0).header("Idempotency-Key");
    assertThat(key).matches("\"[0-9a-f-]{36}\"");
    assertThat(server.received.get(1).header("Idempotency-Key")).isEqualTo(key);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aLowercaseDelete_isAnUnknownMethod_sentOnce(Transport transport) throws Exception {
    server.script(r -> status(503, "busy"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    assertThat(send(caller, "delete", "/doc", null, Map.of()).status()).isEqualTo(503);

    assertThat(server.count()).isEqualTo(1);
    assertThat(server.received.get(0).method()).isEqualTo("delete");
  }

  // ---- Failures ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void keylessPost_connectionClosedAfterTheRequest_isNotRetriedAndSaysItMayHaveBeenProcessed(Transport transport) {
    server.script(r -> Reply.closeConnection());
    Caller caller = caller(transport, retrying(retry(3).build()));

    Throwable failure = failure(caller, "POST", "/orders", "item=1");

    assertThat(failure).isInstanceOf(NotRetriedException.class).hasMessageContaining("may have been processed");
    assertThat(server.count()).as("neither Tailguard nor the client re-sent the POST").isEqualTo(1);
  }

  /**
   * OkHttp sends exactly one request per attempt. The JDK client re-sends a GET once by itself
   * after a reset (README: "The clients' own retries stack with Tailguard's"), so up to twice per
   * attempt.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void getWhoseConnectionIsClosedAfterTheRequest_isRetriedUpToMaxAttempts(Transport transport) {
    server.script(r -> Reply.closeConnection());
    Caller caller = caller(transport, retrying(retry(3).build()));

    Throwable failure = failure(caller, "GET", "/", null);

    assertThat(failure).isInstanceOf(TailguardHttpException.class).hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(waits).as("Tailguard's own attempts").hasSize(2);
    if (transport.jdk()) {
      assertThat(server.count()).isBetween(3, 6);
    } else {
      assertThat(server.count()).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void connectionRefused_isRetriedEvenForAKeylessPost(Transport transport) throws Exception {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    Caller caller = caller(transport, retrying(retry(3).build()));

    Throwable failure = failure(caller, "POST", "http://127.0.0.1:" + closedPort + "/orders", "item=1");

    assertThat(failure).isInstanceOf(TailguardHttpException.class).hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(waits).as("Tailguard's retries of a request that never left the client").hasSize(2);
  }

  /**
   * A GET answered 200 whose body breaks off after the headers. The JDK adapter's attempt, with a
   * buffering handler, lasts until the last byte, so the break is the attempt's failure and is
   * retried. OkHttp's attempt ends with the headers: the caller gets the 200, its read of the body
   * fails, and nothing is re-sent.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void getWhoseBodyBreaksOffAfterTheHeaders_isRetriedByTheJdkAdapterOnly(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? Reply.cutBody(200, "partial") : status(200, "whole"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    if (transport.jdk()) {
      assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("whole");
      assertThat(server.count()).isEqualTo(2);
    } else {
      assertThat(failure(caller, "GET", "/", null)).isInstanceOf(IOException.class).isNotInstanceOf(TailguardHttpException.class);
      assertThat(server.count()).isEqualTo(1);
    }
  }

  // ---- Statuses ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theFiveRetryableStatusesAreRetried_othersAreReturnedAtOnce(Transport transport) throws Exception {
    AtomicInteger status = new AtomicInteger();
    // Every answer carries a hint: it is read only for the answers that are retried.
    server.script(r -> status(status.get(), "status " + status.get(), "Retry-After", "3"));
    Caller caller = caller(transport, retrying(retry(2).build()));
    for (int code : new int[] {200, 201, 408, 429, 502, 503, 504, 500, 501, 505, 400, 404, 409}) {
      status.set(code);
      int before = server.count();
      waits.clear();

      Answer answer = send(caller, "GET", "/", null, Map.of());

      assertThat(answer.body()).isEqualTo("status " + code);
      boolean retryable = code == 408 || code == 429 || (code >= 502 && code <= 504);
      assertThat(server.count() - before).as("requests for a %s", code).isEqualTo(retryable ? 2 : 1);
      assertThat(waits).as("waits after a %s", code).isEqualTo(retryable ? List.of(Duration.ofSeconds(3)) : List.of());
    }
  }

  // ---- Server hints ----

  /** One hint scenario: the headers of a 503, and the wait that must follow (null: the 100 ms backoff). */
  private record Hint(List<String[]> headers, Duration expected) {
    static Hint of(Duration expected, String... pairs) {
      List<String[]> headers = new ArrayList<>();
      for (int i = 0; i < pairs.length; i += 2) {
        headers.add(new String[] {pairs[i], pairs[i + 1]});
      }
      return new Hint(headers, expected);
    }
  }

  /**
   * The README's "Server hints" sentences, one 503 each, on a wall clock fixed at {@link #NOW}:
   * delta-seconds, all three HTTP-date forms, a date in the past, garbage of several kinds (the
   * normal backoff), RateLimit-Reset and X-RateLimit-Reset, two Retry-After headers (the first
   * counts) and one value holding a list (garbage).
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverHints_replaceTheBackoff_inEveryDocumentedForm_garbageMeansTheBackoff(Transport transport) throws Exception {
    Duration backoff = Duration.ofMillis(100);
    List<Hint> hints = List.of(
        Hint.of(Duration.ofSeconds(7), "Retry-After", "7"),
        Hint.of(Duration.ofSeconds(9), "Retry-After", "Thu, 03 Dec 2026 08:00:09 GMT"),
        Hint.of(Duration.ofSeconds(8), "Retry-After", "Thursday, 03-Dec-26 08:00:08 GMT"),
        Hint.of(Duration.ofSeconds(6), "Retry-After", "Thu Dec  3 08:00:06 2026"),
        Hint.of(Duration.ZERO, "Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"),
        Hint.of(Duration.ofSeconds(3), "RateLimit-Reset", "3"),
        Hint.of(Duration.ofSeconds(4), "X-RateLimit-Reset", "4"),
        Hint.of(Duration.ofSeconds(2), "Retry-After", "soon", "RateLimit-Reset", "2"),
        Hint.of(Duration.ofSeconds(5), "Retry-After", "5", "Retry-After", "10"),
        Hint.of(backoff, "Retry-After", "soon"),
        Hint.of(backoff, "Retry-After", "-1"),
        Hint.of(backoff, "Retry-After", "1.5"),
        Hint.of(backoff, "Retry-After", "+5"),
        Hint.of(backoff, "Retry-After", "5, 10"),
        Hint.of(backoff, "Retry-After", "Thu, 31 Feb 2026 08:00:09 GMT"));
    AtomicInteger scenario = new AtomicInteger();
    server.script(r -> r.number() % 2 == 1 ? status(200, "done")
        : new Reply(503, hints.get(scenario.get()).headers(), "busy", false, false));
    Caller caller = caller(transport, retrying(retry(2).build()));
    for (int s = 0; s < hints.size(); s++) {
      scenario.set(s);
      waits.clear();

      assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("done");

      Hint hint = hints.get(s);
      assertThat(waits).as("wait after %s", hint.headers().stream().map(h -> h[0] + ": " + h[1]).toList())
          .containsExactly(hint.expected());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aHintPastTheDeadline_givesUpAtOnce_andTheCallerGetsThe503(Transport transport) throws Exception {
    server.script(r -> status(503, "busy for a minute", "Retry-After", "60"));
    // Real time: on fake time the driver would run the deadline's timer before the answer arrived.
    // The answer comes within milliseconds, so 60 s lie past the 30 s left; nothing is slept.
    Caller caller = caller(transport, new Setup(retry(3).deadline(Duration.ofSeconds(30)).build(), null, false, false, null));

    Answer answer = caller.send("GET", "/", null, Map.of());

    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body()).isEqualTo("busy for a minute");
    assertThat(server.count()).isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRetryAfterBeyondIntAndLong_isCappedAtMaxServerDelay(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? status(503, "busy", "Retry-After", "2147483648") : r.number() == 2
        ? status(503, "busy", "Retry-After", "18446744073709551616") : status(200, "done"));
    Caller caller = caller(transport, retrying(retry(2).maxServerDelay(Duration.ofSeconds(30)).build()));

    assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("done");
    assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("done");

    assertThat(waits).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(30));
  }

  // ---- Server hints on hedged calls ----

  private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

  /** Answers 200 once the test releases it (at most 10 s): the first attempt, still in flight. */
  private Reply slowOk() {
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException stopped) {
      Thread.currentThread().interrupt();
    }
    return status(200, "slow but fine");
  }

  private java.util.concurrent.CompletableFuture<Answer> sendAsync(Caller caller) {
    return sendAsync(caller, "GET", null);
  }

  private java.util.concurrent.CompletableFuture<Answer> sendAsync(Caller caller, String method, String body) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return caller.send(method, "/", body, Map.of());
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
  }

  /**
   * A hedge answered 429 with {@code Retry-After: 60} postpones the next hedge by the hint, capped
   * at {@code HedgePolicy.maxServerDelay} (2 s here), instead of the 10 ms hedge delay.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void hedgeAnswered429_postponesTheNextHedgeByItsHint_cappedAtMaxServerDelay(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? slowOk() : r.number() == 1 ? status(429, "slow down", "Retry-After", "60") : status(200, "third"));
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3)
        .maxServerDelay(Duration.ofSeconds(2)).build(), true));
    Duration bound = Duration.ofSeconds(10);
    try {
      java.util.concurrent.CompletableFuture<Answer> call = sendAsync(caller);
      Eventually.holds(() -> server.count() == 1 && clock.pendingTasks() == 1, bound);
      clock.advance(Duration.ofMillis(10));
      Eventually.holds(() -> server.count() == 2 && clock.nextTaskDelay().equals(java.util.Optional.of(Duration.ofSeconds(2))), bound);

      clock.advance(Duration.ofSeconds(2));
      assertThat(call.get(10, TimeUnit.SECONDS).body()).isEqualTo("third");
      assertThat(server.count()).isEqualTo(3);
    } finally {
      release.countDown();
    }
  }

  /** A hedge answered 503 with a hint past the hedge deadline stops hedging; the first attempt goes on and wins. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void hedgeAnswered503WithAHintPastTheDeadline_stopsHedging_theFirstAttemptStillWins(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? slowOk() : status(503, "", "Retry-After", "30"));
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).maxAttempts(3)
        .deadline(Duration.ofSeconds(5)).maxServerDelay(Duration.ofSeconds(60)).build(), true));
    Duration bound = Duration.ofSeconds(10);
    try {
      java.util.concurrent.CompletableFuture<Answer> call = sendAsync(caller);
      Eventually.holds(() -> server.count() == 1 && clock.pendingTasks() == 2, bound);
      clock.advance(Duration.ofMillis(10));
      // Left: only the deadline's timer; no hedge timer.
      Eventually.holds(() -> server.count() == 2 && clock.pendingTasks() == 1
          && clock.nextTaskDelay().equals(java.util.Optional.of(Duration.ofMillis(4990))), bound);

      clock.advance(Duration.ofSeconds(2));
      assertThat(server.count()).as("no hedge after a hint past the deadline").isEqualTo(2);
      release.countDown();
      assertThat(call.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow but fine");
    } finally {
      release.countDown();
    }
  }

  /** With {@code serverHonoursIdempotencyKey(true)} a keyless POST is hedged, and the hedge carries the same automatic key. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverHonoursIdempotencyKey_aHedgedPostCarriesTheSameAutomaticKey(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? slowOk() : status(200, "hedge"));
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build(), true).honouringKeys());
    Duration bound = Duration.ofSeconds(10);
    try {
      java.util.concurrent.CompletableFuture<Answer> call = sendAsync(caller, "POST", "item=1");
      Eventually.holds(() -> server.count() == 1 && clock.pendingTasks() == 1, bound);
      clock.advance(Duration.ofMillis(10));

      assertThat(call.get(10, TimeUnit.SECONDS).body()).isEqualTo("hedge");
      assertThat(server.count()).isEqualTo(2);
      String key = server.received.get(0).header("Idempotency-Key");
      assertThat(key).matches("\"[0-9a-f-]{36}\"");
      assertThat(server.received.get(1).header("Idempotency-Key")).isEqualTo(key);
      assertThat(server.received).extracting(Received::body).containsOnly("item=1");
    } finally {
      release.countDown();
    }
  }

  // ---- What the hedge delay covers ----

  /**
   * The first attempt's headers and half its body arrive at once, the rest only when released.
   * The JDK adapter's attempt (buffering handler) is still running, so the hedge goes out and wins;
   * OkHttp's attempt ended with the headers, so no hedge is sent and the caller reads the slow body.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void hedgeDelay_coversTheWholeBodyOnTheJdkAdapter_onlyTheHeadersOnOkHttp(Transport transport) throws Exception {
    java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
    server.holdSecondHalves = hold;
    server.script(r -> r.number() == 0 ? status(200, "first half second half", ConformanceServer.STREAMED, "yes") : status(200, "hedge"));
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build(), true));
    Duration bound = Duration.ofSeconds(10);
    try {
      java.util.concurrent.CompletableFuture<Answer> call = sendAsync(caller);
      if (transport.jdk()) {
        Eventually.holds(() -> server.firstHalvesSent.get() == 1 && clock.pendingTasks() == 1, bound);
        clock.advance(Duration.ofMillis(10));
        assertThat(call.get(10, TimeUnit.SECONDS).body()).isEqualTo("hedge");
        assertThat(server.count()).isEqualTo(2);
      } else {
        // The attempt ended with its headers: the hedge timer is gone before it fired.
        Eventually.holds(() -> server.firstHalvesSent.get() == 1 && clock.pendingTasks() == 0, bound);
        clock.advance(Duration.ofMillis(10));
        hold.countDown();
        assertThat(call.get(10, TimeUnit.SECONDS).body()).isEqualTo("first half second half");
        assertThat(server.count()).isEqualTo(1);
      }
    } finally {
      hold.countDown();
    }
  }

  // ---- Key in use ----

  private static Reply keyInUse(String pad) {
    String problem = "{\"type\":\"" + dev.tailguard.http.KeyInUse.PROBLEM_TYPE + "\",\"title\":\"in use\"" + pad + "}";
    return status(409, problem, "Content-Type", "application/problem+json", "Retry-After", "1",
        "Content-Length", Integer.toString(problem.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void keyedPostAnsweredKeyInUse_waitsItsRetryAfterAndAsksAgain(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? status(503, "busy") : r.number() == 1 ? keyInUse("") : status(201, "created"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    Answer answer = send(caller, "POST", "/orders", "item=1", Map.of("Idempotency-Key", "\"order-7\""));

    assertThat(answer.status()).isEqualTo(201);
    assertThat(server.count()).isEqualTo(3);
    assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  /** The bound is inclusive: a "key in use" answer declaring exactly 4 KiB is looked at, and waited for. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void keyInUseDeclaringExactly4KiB_isRecognisedAndRetried(Transport transport) throws Exception {
    String bare = "{\"type\":\"" + dev.tailguard.http.KeyInUse.PROBLEM_TYPE + "\",\"title\":\"in use\"}";
    String pad = " ".repeat(dev.tailguard.http.KeyInUse.MAX_BODY_BYTES - bare.length());
    server.script(r -> r.number() == 0 ? keyInUse(pad) : status(201, "created"));
    Caller caller = caller(transport, retrying(retry(2).build()));

    Answer answer = send(caller, "POST", "/orders", "item=1", Map.of("Idempotency-Key", "\"order-4k\""));

    assertThat(answer.status()).isEqualTo(201);
    assertThat(server.count()).isEqualTo(2);
    assertThat(waits).containsExactly(Duration.ofSeconds(1));
  }

  /**
   * Regression (OkHttp peeked 4 KiB of any 409 whatever its length and retried a 8 KiB one; the
   * JDK adapter did not): one rule for both, the answer must declare a {@code Content-Length} of at
   * most 4 KiB. Every other 409 is returned after one request.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void keyInUseWithADeclaredBodyOver4KiB_anotherProblemType_noKey_orNoDeclaredLength_isReturnedAtOnce(Transport transport) throws Exception {
    String big = ",\"detail\":\"" + "x".repeat(8 * 1024) + "\"";
    String otherType = "{\"type\":\"https://example.com/problems/conflict\"}";
    String inUse = "{\"type\":\"" + dev.tailguard.http.KeyInUse.PROBLEM_TYPE + "\"}";
    AtomicInteger scenario = new AtomicInteger();
    server.script(r -> scenario.get() == 0 ? keyInUse(big) : scenario.get() == 1
        ? status(409, otherType, "Content-Type", "application/problem+json", "Retry-After", "1", "Content-Length",
            Integer.toString(otherType.length()))
        : scenario.get() == 2 ? keyInUse("")
        : status(409, inUse, "Content-Type", "application/problem+json", "Retry-After", "1", ConformanceServer.STREAMED, "yes"));
    Caller caller = caller(transport, retrying(retry(3).build()));
    for (int s = 0; s < 4; s++) {
      scenario.set(s);
      int before = server.count();
      Map<String, String> key = s == 2 ? Map.of() : Map.of("Idempotency-Key", "\"order-" + s + "\"");

      Answer answer = send(caller, s == 2 ? "PUT" : "POST", "/orders", "item=1", key);

      assertThat(answer.status()).isEqualTo(409);
      assertThat(server.count() - before).as("requests in scenario %s", s).isEqualTo(1);
    }
    assertThat(waits).isEmpty();
  }

  // ---- Redirects beneath Tailguard ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void keylessPostAnswered307_isSentOnce_andTheCallerGetsThe307(Transport transport) throws Exception {
    server.script(r -> status(307, "", "Location", "/orders"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    assertThat(send(caller, "POST", "/orders", "item=1", Map.of()).status()).isEqualTo(307);

    assertThat(server.count()).isEqualTo(1);
  }

  /**
   * Regression (OkHttp: 63 requests). A retry-safe GET redirected to itself: the JDK delegate here
   * follows no redirect (its default) and returns the 307; OkHttp follows 20 redirects within one
   * attempt and then fails with {@code ProtocolException("Too many follow-up requests")}, which is
   * final: retrying it only repeated the loop, three times over.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void getRedirectedToItself_isOneAttempt_notRetried(Transport transport) throws Exception {
    server.script(r -> status(307, "", "Location", "/loop"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    if (transport.jdk()) {
      assertThat(send(caller, "GET", "/loop", null, Map.of()).status()).isEqualTo(307);
      assertThat(server.count()).isEqualTo(1);
    } else {
      assertThat(failure(caller, "GET", "/loop", null)).isInstanceOf(java.net.ProtocolException.class)
          .hasMessageContaining("Too many follow-up requests");
      assertThat(server.count()).isEqualTo(21);
    }
    assertThat(waits).isEmpty();
  }

  // ---- Request bodies ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aPutBodyIsResentByteForByte(Transport transport) throws Exception {
    String payload = "p".repeat(64 * 1024);
    server.script(r -> r.number() == 0 ? status(503, "busy") : status(200, "stored"));
    Caller caller = caller(transport, retrying(retry(2).build()));

    assertThat(send(caller, "PUT", "/doc", payload, Map.of()).body()).isEqualTo("stored");

    assertThat(server.received).extracting(Received::body).containsExactly(payload, payload);
  }

  // ---- Responses nobody gets ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void twoRetried503sAndTheFinalAnswer_shareOneConnection(Transport transport) throws Exception {
    server.script(r -> r.number() < 2 ? status(503, "busy ".repeat(100)) : status(200, "done"));
    Caller caller = caller(transport, retrying(retry(3).build()));

    assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("done");

    assertThat(server.count()).isEqualTo(3);
    assertThat(server.connections()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aHedgeLoserStillInFlightIsCancelled_theServerSeesItsExchangeEnd(Transport transport) throws Exception {
    server.script(r -> r.number() == 0 ? Reply.neverAnswer() : status(200, "fast"));
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(50))).build(), true));

    assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("fast");

    assertThat(server.count()).isEqualTo(2);
    // The leak check after the scenario waits for the hanging exchange to end: only a cancel ends it.
  }

  // ---- Observability ----

  @ParameterizedTest
  @EnumSource(Transport.class)
  void attemptCountHeader_sendsTheNumberOfEarlierAttempts(Transport transport) throws Exception {
    server.script(r -> r.number() < 2 ? status(503, "busy") : status(200, "third"));
    Caller caller = caller(transport, retrying(retry(3).build()).withAttemptHeader("X-Attempt"));

    assertThat(send(caller, "GET", "/", null, Map.of()).body()).isEqualTo("third");

    assertThat(server.received).extracting(r -> r.header("X-Attempt")).containsExactly("0", "1", "2");
  }

  // ---- The hedged-call leak run ----

  /**
   * Hedged GETs at {@code HedgeDelay.fixed(0)}; the server answers both attempts of a call at the
   * same instant, so the loser's response arrives while it is being cancelled. Every response
   * nobody receives must be closed.
   */
  @ParameterizedTest
  @EnumSource(value = Transport.class, mode = EnumSource.Mode.EXCLUDE, names = "JDK_H2C")
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void hedgedCallsAtFixedZero_leaveNoResponseUnclosed(Transport transport) throws Exception {
    hedgedLeakRun(transport);
  }

  /**
   * As above for {@link ResilientHttpClient} over h2c. On JDK 17 a few losers' body subscribers are
   * created but never subscribed (see {@link #countedStrings}); they are reported, not counted as
   * open. Every subscribed body must end, and the leak check after the scenario proves each loser's
   * stream ended on the server. From JDK 25 on every created subscriber must also be subscribed.
   * The server keeps Jetty's default rate control (GOAWAY past 128 resets a second), and the run
   * fails on any event it refused: the adapter's reset budget keeps it under (10,000 calls:
   * 0 unclosed, 0 never subscribed, 906 resets, no GOAWAY; 2026-12-02, JDK 17).
   */
  @org.junit.jupiter.api.Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES)
  void hedgedCallsAtFixedZero_leaveNoResponseUnclosed_jdkOverH2c() throws Exception {
    hedgedLeakRun(Transport.JDK_H2C);
    int neverSubscribed = jdkBodiesCreated.get() - jdkBodiesOpened.get();
    System.out.printf("tailguard.conformance hedged-leak transport=JDK_H2C jdk=%d bodySubscribersCreated=%d neverSubscribed=%d%n",
        Runtime.version().feature(), jdkBodiesCreated.get(), neverSubscribed);
    if (Runtime.version().feature() >= 25) {
      assertThat(neverSubscribed).as("body subscribers the JDK created but never subscribed").isZero();
    }
  }

  private void hedgedLeakRun(Transport transport) throws Exception {
    int calls = Integer.getInteger("tailguard.conformance.hedgedCalls", 200);
    CyclicBarrier together = new CyclicBarrier(2);
    server.script(r -> {
      try {
        together.await(1, TimeUnit.SECONDS);
      } catch (Exception alone) {
        together.reset();
      }
      return status(200, "x".repeat(512));
    });
    Caller caller = caller(transport, hedging(HedgePolicy.builder(HedgeDelay.fixed(Duration.ZERO)).build(), false));
    List<String> leakWarnings = new CopyOnWriteArrayList<>();
    try (OkHttpLeakLog log = OkHttpLeakLog.capture(leakWarnings)) {
      for (int i = 0; i < calls; i++) {
        assertThat(caller.send("GET", "/", null, Map.of()).body()).hasSize(512);
      }
      try {
        Eventually.holds(() -> okCalls.responsesOpen.isEmpty() && okCalls.open() == 0
            && jdkBodiesOpened.get() == jdkBodiesEnded.get(), Duration.ofSeconds(10));
      } catch (AssertionError stillOpen) {
        // Reported with the numbers below.
      }
    }
    int unclosed = transport.jdk() ? jdkBodiesOpened.get() - jdkBodiesEnded.get() : okCalls.responsesOpen.size();
    System.out.printf("tailguard.conformance hedged-leak transport=%s calls=%d requests=%d unclosed=%d okhttpCallsNotEnded=%d"
        + " okhttpLeakWarnings=%d resetsReceived=%d losers=%d rateLimitedGoaways=%d connections=%d%n", transport, calls, server.count(),
        unclosed, okCalls.open(), leakWarnings.size(), server.resetsReceived(), server.count() - calls, server.rateLimited(),
        server.connections());
    assertThat(server.rateLimited()).as("events past Jetty's default rate control (each a GOAWAY)").isZero();
    assertThat(unclosed).as("responses nobody closed after %s hedged calls", calls).isZero();
    assertThat(okCalls.open()).as("OkHttp calls that reported neither callEnd nor callFailed").isZero();
    assertThat(leakWarnings).as("OkHttp's \"connection leaked\" warnings").isEmpty();
  }
}
