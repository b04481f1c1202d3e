package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailguard.Backoff;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ResilientHttpClient} over a scripted delegate that sends nothing: what it reports of the
 * delegate, how each failure reaches the caller of {@code send}, which requests each configuration
 * sends more than once, and how the builder rejects bad values.
 */
@Timeout(30)
class ResilientHttpClientDelegateTest {
  private static final URI URI_ = URI.create("http://127.0.0.1:9/orders");
  private final ScriptedHttpClient delegate = new ScriptedHttpClient();
  private final HttpRequest get = HttpRequest.newBuilder(URI_).GET().build();
  private final HttpRequest post = HttpRequest.newBuilder(URI_).POST(BodyPublishers.ofString("{}")).build();

  private ResilientHttpClient.Builder builder() {
    return ResilientHttpClient.builder().client(delegate);
  }

  private static RetryPolicy retries(int attempts) {
    return RetryPolicy.builder().maxAttempts(attempts).backoff(Backoff.none()).build();
  }

  @Test
  void reportsTheDelegatesConfiguration() {
    ResilientHttpClient client = builder().build();

    assertThat(client.cookieHandler()).containsSame(ScriptedHttpClient.COOKIES);
    assertThat(client.connectTimeout()).contains(Duration.ofSeconds(7));
    assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NORMAL);
    assertThat(client.proxy()).containsSame(ScriptedHttpClient.PROXY);
    assertThat(client.sslContext()).isSameAs(delegate.sslContext());
    assertThat(client.sslParameters().getProtocols()).containsExactly("TLSv1.3");
    assertThat(client.authenticator()).containsSame(ScriptedHttpClient.AUTHENTICATOR);
    assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(client.executor()).containsSame(ScriptedHttpClient.EXECUTOR);
  }

  @Test
  void withoutADelegateItUsesTheJdkDefaultClient() {
    ResilientHttpClient client = ResilientHttpClient.builder().build();

    assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
    assertThat(client.newWebSocketBuilder()).isNotNull();
  }

  @Test
  void closeClosesACloseableDelegateOnce() {
    builder().build().close();

    assertThat(delegate.closes).isEqualTo(1);
  }

  @Test
  void aDelegatesCheckedCloseFailureIsWrapped_anUncheckedOneRethrownAsItIs() {
    delegate.closeFailure = new IOException("socket stuck");
    ResilientHttpClient client = builder().build();
    assertThatThrownBy(client::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closing the delegate HttpClient failed")
        .hasCause(delegate.closeFailure);

    IllegalArgumentException unchecked = new IllegalArgumentException("bad state");
    delegate.closeFailure = unchecked;
    assertThatThrownBy(client::close).isSameAs(unchecked);
  }

  @Test
  void anAttemptsIOExceptionReachesTheCallerOfSendAsItIs() {
    IOException failure = new IOException("connection reset");
    delegate.fail(failure);

    assertThatThrownBy(() -> builder().build().send(get, BodyHandlers.ofString())).isSameAs(failure);
  }

  @Test
  void anAttemptsRuntimeExceptionTravelsAsTheIOExceptionSendPromisesAndAnErrorAsItIs() {
    // The JDK client fails some malformed answers unchecked (a NumberFormatException for
    // Content-Length: x): send still throws only what its signature says (HttpCall.answerFailure).
    IllegalStateException runtime = new IllegalStateException("delegate bug");
    delegate.fail(runtime);
    assertThatThrownBy(() -> builder().build().send(get, BodyHandlers.ofString()))
        .isExactlyInstanceOf(IOException.class)
        .hasCause(runtime);

    ExceptionInInitializerError error = new ExceptionInInitializerError("broken class");
    delegate.fail(error);
    assertThatThrownBy(() -> builder().build().send(get, BodyHandlers.ofString())).isSameAs(error);
  }

  @Test
  void anAttemptsCheckedNonIoExceptionIsWrappedInAnIOException() {
    Exception checked = new java.util.concurrent.TimeoutException("odd delegate");
    delegate.fail(checked);

    assertThatThrownBy(() -> builder().build().send(get, BodyHandlers.ofString()))
        .isExactlyInstanceOf(IOException.class)
        .hasCause(checked);
  }

  @Test
  void aCancelledExchangeIsAnIOExceptionForTheCallerOfSend() {
    delegate.fail(new java.util.concurrent.CancellationException("cancelled by the delegate"));

    assertThatThrownBy(() -> builder().build().send(get, BodyHandlers.ofString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cancelled");
  }

  @Test
  void anInterruptedSendCancelsItsExchange() {
    delegate.hang();
    ResilientHttpClient client = builder().build();

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> client.send(get, BodyHandlers.ofString())).isInstanceOf(InterruptedException.class);

    assertThat(Thread.interrupted()).as("the flag was consumed by the interruption").isFalse();
    assertThat(delegate.futures).singleElement().satisfies(f -> assertThat(f.isCancelled()).isTrue());
  }

  @Test
  void withoutARetryPolicyEveryRequestIsSentOnce() throws Exception {
    delegate.respond(503);

    assertThat(builder().build().send(get, BodyHandlers.ofString()).statusCode()).isEqualTo(503);
    assertThat(delegate.sent).hasSize(1);
  }

  @Test
  void aRetryPolicyOfOneAttemptIsNoRetry_aPostsFailureStaysItsOwn() {
    IOException failure = new IOException("reset");
    delegate.fail(failure);

    assertThatThrownBy(() -> builder().retry(retries(1)).build().send(post, BodyHandlers.ofString())).isSameAs(failure);
    assertThat(delegate.sent).hasSize(1);
  }

  @Test
  void aRetryPolicyRetriesARetryableStatusUpToItsAttempts() throws Exception {
    delegate.respond(503).respond(503).respond(200);

    HttpResponse<String> response = builder().retry(retries(3)).build().send(get, BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(delegate.sent).hasSize(3);
  }

  @Test
  void underHedgingAPostThatNeverLeftTheClientIsSentOnceMore() throws Exception {
    delegate.fail(new ConnectException("refused")).respond(201);
    ResilientHttpClient client = builder()
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofSeconds(30))).maxAttempts(3).build()).build();

    HttpResponse<String> response = client.send(post, BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(delegate.sent).hasSize(2);
  }

  @Test
  void underHedgingAPostWhoseFirstTryFailsTwiceBeforeSending_isNotTriedAThirdTime() {
    delegate.fail(new ConnectException("refused")).fail(new ConnectException("refused again"));
    ResilientHttpClient client = builder()
        .hedge(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofSeconds(30))).maxAttempts(3).build()).build();

    assertThatThrownBy(() -> client.send(post, BodyHandlers.ofString())).isInstanceOf(IOException.class);
    assertThat(delegate.sent).hasSize(2);
  }

  @Test
  void automaticKeysAreAddedOnlyWhenTheServerHonoursThemAndTheClientRepeats() throws Exception {
    delegate.respond(200).respond(200).respond(200);

    builder().serverHonoursIdempotencyKey(true).build().send(post, BodyHandlers.ofString());
    builder().serverHonoursIdempotencyKey(true).retry(retries(2)).build().send(post, BodyHandlers.ofString());
    builder().autoIdempotencyKey(true).retry(retries(2)).build().send(post, BodyHandlers.ofString());

    assertThat(delegate.sent.get(0).headers().firstValue(Idempotency.HEADER)).as("never re-sent: no key needed").isEmpty();
    assertThat(delegate.sent.get(1).headers().firstValue(Idempotency.HEADER)).isPresent();
    assertThat(delegate.sent.get(2).headers().firstValue(Idempotency.HEADER)).as("the deprecated name does the same").isPresent();
  }

  @Test
  void aFailingBodyNotReplayableListenerDoesNotFailTheCall() throws Exception {
    delegate.respond(200);
    List<BodyNotReplayableEvent> events = new CopyOnWriteArrayList<>();
    ResilientHttpClient client = builder().retry(retries(3)).maxReplayBytes(2)
        .onBodyNotReplayable(event -> {
          events.add(event);
          throw new IllegalStateException("listener bug");
        }).build();
    HttpRequest oneShot = HttpRequest.newBuilder(URI_)
        .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5}))).build();

    // The listener's failure is not swallowed unseen: it is logged, with the exception, as a WARNING.
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.tailguard.http");
    List<java.util.logging.LogRecord> records = new CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override public void publish(java.util.logging.LogRecord record) {
        records.add(record);
      }
      @Override public void flush() {}
      @Override public void close() {}
    };
    java.util.logging.Level previous = jul.getLevel();
    jul.setLevel(java.util.logging.Level.ALL);
    jul.addHandler(capture);
    try {
      assertThat(client.sendIdempotent(oneShot, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    } finally {
      jul.removeHandler(capture);
      jul.setLevel(previous);
    }
    assertThat(events).singleElement().satisfies(event -> assertThat(event.cap()).isEqualTo(2));
    assertThat(delegate.sent).hasSize(1);
    assertThat(records).filteredOn(r -> r.getLevel() == java.util.logging.Level.WARNING).singleElement()
        .satisfies(r -> {
          assertThat(r.getMessage()).contains("onBodyNotReplayable listener failed");
          assertThat(r.getThrown()).hasMessage("listener bug");
        });
    assertThat(records).filteredOn(r -> r.getLevel() == java.util.logging.Level.FINE)
        .anySatisfy(r -> assertThat(r.getMessage()).startsWith("not retryable: BodyNotReplayableEvent[method=POST"));
  }

  @Test
  void saysWhatItIsConfiguredWith() {
    String text = builder().serverHonoursIdempotencyKey(true).maxReplayBytes(5).maxReplayBytesInFlight(7).build().toString();

    assertThat(text).startsWith("ResilientHttpClient{")
        .contains("serverHonoursIdempotencyKey=true", "maxReplayBytes=5", "maxReplayBytesInFlight=7");
  }

  @Test
  void missingArgumentsAreNamed() {
    ResilientHttpClient client = builder().build();
    assertThatThrownBy(() -> client.send(null, BodyHandlers.ofString())).hasMessageContaining("request");
    assertThatThrownBy(() -> client.send(get, null)).hasMessageContaining("responseBodyHandler");
    assertThatThrownBy(() -> client.sendAsync(get, BodyHandlers.ofString(), null)).hasMessageContaining("pushPromiseHandler");
    assertThatThrownBy(() -> client.post(URI_, null, new byte[0])).hasMessageContaining("contentType");
    assertThatThrownBy(() -> client.post(URI_, "text/plain", null)).hasMessageContaining("body");
    assertThatThrownBy(() -> client.postForm(URI_, null)).hasMessageContaining("form");
    assertThatThrownBy(() -> ResilientHttpClient.builder().client(null)).hasMessageContaining("client");
    assertThatThrownBy(() -> ResilientHttpClient.builder().retryableStatuses(null)).hasMessageContaining("retryableStatuses");
    assertThatThrownBy(() -> ResilientHttpClient.builder().wallClock(null)).hasMessageContaining("wallClock");
    assertThatThrownBy(() -> ResilientHttpClient.builder().onBodyNotReplayable(null)).hasMessageContaining("onBodyNotReplayable");
    assertThatThrownBy(() -> ResilientHttpClient.builder().attemptCountHeader(null)).hasMessageContaining("attemptCountHeader");
  }

  @Test
  void sizesAndRatesMayBeZeroButNotNegative() {
    assertThatCode(() -> ResilientHttpClient.builder().maxReplayBytes(0).maxReplayBytesInFlight(0).maxDrainBytes(0)
        .maxStreamResetsPerSecond(0).build()).doesNotThrowAnyException();
    assertThatThrownBy(() -> ResilientHttpClient.builder().maxReplayBytesInFlight(-2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxReplayBytesInFlight").hasMessageContaining("-2");
    assertThatThrownBy(() -> ResilientHttpClient.builder().maxDrainBytes(-3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDrainBytes").hasMessageContaining("-3");
    assertThatThrownBy(() -> ResilientHttpClient.builder().maxStreamResetsPerSecond(-4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxStreamResetsPerSecond").hasMessageContaining("-4");
  }

  @Test
  void theAttemptCountHeaderMustBeAnHttpToken() {
    assertThatCode(() -> ResilientHttpClient.builder().attemptCountHeader("X-Attempt_1.~!")).doesNotThrowAnyException();
    for (String bad : new String[] {"", "  ", "a b", "a\u007fb", "a\u0080b", "(a", "a(b", "a:b", "a\"b", "a}b", "a\tb"}) {
      assertThatThrownBy(() -> ResilientHttpClient.builder().attemptCountHeader(bad))
          .as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("attemptCountHeader must be an HTTP token");
    }
  }

  @Test
  void everyEntryPointHandsBackTheDelegatesAnswer() throws Exception {
    delegate.respond(201).respond(202).respond(203);
    ResilientHttpClient client = builder().build();

    assertThat(client.postForm(URI_, java.util.Map.of("q", "1")).statusCode()).isEqualTo(201);
    assertThat(client.sendIdempotentAsync(post, BodyHandlers.ofString()).get().statusCode()).isEqualTo(202);
    HttpResponse.PushPromiseHandler<String> ignorePushes = (initiating, pushed, acceptor) -> {};
    assertThat(client.sendAsync(get, BodyHandlers.ofString(), ignorePushes).get().statusCode()).isEqualTo(203);
    assertThat(delegate.sent).extracting(HttpRequest::method).containsExactly("POST", "POST", "GET");
  }
}
