package dev.tailguard.http;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.TailguardException;
import java.lang.System.Logger.Level;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.net.http.HttpClient;

/**
 * One call through a {@link ResilientHttpClient}: decides whether the request may be sent twice,
 * makes its body replayable, picks the pipeline, and runs each attempt on the JDK client.
 *
 * @param <T> the caller's body type
 */
final class HttpCall<T> {
  private static final System.Logger LOG = System.getLogger("dev.tailguard.http");

  private final ResilientHttpClient client;
  private final HttpRequest request;
  private final BodyHandler<T> handler;
  private final PushPromiseHandler<T> pushPromises;
  private final boolean retrySafe;
  private final String method;
  private final String redactedUri;
  private final boolean carriesKey;
  /** Responses recognised as "key in use" ({@link KeyInUse}); the classifier retries them. */
  private final Set<HttpResponse<?>> keyInUse = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  /** The stage now running (body buffering, then the pipeline); the caller's cancel reaches it. */
  private volatile CompletableFuture<?> running;

  HttpCall(ResilientHttpClient client, HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushPromises,
      boolean vouchedSafe) {
    this.client = client;
    this.request = client.addsIdempotencyKey() ? Idempotency.withKey(request) : request;
    this.handler = handler;
    this.pushPromises = pushPromises;
    this.retrySafe = vouchedSafe || Idempotency.isRetrySafe(this.request);
    this.method = this.request.method();
    this.redactedUri = Redaction.uri(this.request.uri());
    this.carriesKey = this.request.headers().firstValue(Idempotency.HEADER).isPresent();
  }

  /**
   * Starts the call. A one-shot body is read (up to the replay cap) on {@code bufferExecutor}
   * before the first attempt.
   */
  CompletableFuture<HttpResponse<T>> start(Executor bufferExecutor) {
    CompletableFuture<HttpResponse<T>> caller = new CompletableFuture<>();
    CompletableFuture<RequestBodies.Prepared> body;
    // The replay bytes this call holds go back to the client's budget when the call ends, however.
    ReplayBudget.Reservation reservation = client.replayBudget().open();
    caller.whenComplete((response, error) -> reservation.close());
    if (!client.mayRepeat()) {
      body = CompletableFuture.completedFuture(RequestBodies.Prepared.replayable(request.bodyPublisher()));
    } else if (request.bodyPublisher().isEmpty() || RequestBodies.isReplayable(request.bodyPublisher().get())) {
      body = RequestBodies.prepare(request.bodyPublisher(), client.maxReplayBytes(), reservation);
    } else {
      body = CompletableFuture.supplyAsync(
              () -> RequestBodies.prepare(request.bodyPublisher(), client.maxReplayBytes(), reservation), bufferExecutor)
          .thenCompose(prepared -> prepared);
    }
    running = body;
    body.whenComplete((prepared, failure) -> {
      if (failure != null) {
        caller.completeExceptionally(unwrap(failure));
        return;
      }
      CompletableFuture<HttpResponse<T>> pipeline = run(prepared);
      running = pipeline;
      pipeline.whenComplete((response, error) -> {
        if (error == null) {
          if (!caller.complete(response)) {
            DiscardedResponses.release(response);
          }
        } else {
          caller.completeExceptionally(toCallerFailure(unwrap(error)));
        }
      });
      // The caller may have cancelled while the pipeline was being set up.
      if (caller.isCancelled()) {
        pipeline.cancel(true);
      }
    });
    caller.whenComplete((response, error) -> {
      if (caller.isCancelled()) {
        running.cancel(true);
      }
    });
    return caller;
  }

  private CompletableFuture<HttpResponse<T>> run(RequestBodies.Prepared body) {
    HttpRequest ready = withBody(request, body.publisher());
    if (!body.replayable()) {
      client.bodyNotReplayable(new BodyNotReplayableEvent(method, redactedUri, body.bytesRead(), body.limit()));
    }
    ResilientHttpClient.Mode mode = !body.replayable() ? client.single() : retrySafe ? client.safeMode() : client.unsafeMode();
    OutcomeHandler<HttpResponse<T>> outcomes = OutcomeHandler.<HttpResponse<T>>builder()
        .classifier(new HttpClassifier<>(client.retryableStatuses(), retrySafe, keyInUse::contains))
        .serverHint(HttpServerHints.reader(client.wallClock()))
        .onDiscard(DiscardedResponses::release)
        .resultSummary(response -> "HTTP " + response.statusCode())
        .returnLastResultOnGiveUp(true)
        .build();
    AsyncAttempt<HttpResponse<T>> attempt = context -> exchange(ready, body, mode, context.attempt(), context);
    return mode.pipeline().executeAsync(attempt, outcomes);
  }

  private CompletableFuture<HttpResponse<T>> exchange(
      HttpRequest ready, RequestBodies.Prepared body, ResilientHttpClient.Mode mode, int attempt, dev.tailguard.AttemptContext context) {
    HttpRequest sent = client.attemptCountHeader() == null
        ? ready
        : HttpRequest.newBuilder(ready, (name, value) -> !name.equalsIgnoreCase(client.attemptCountHeader()))
            .header(client.attemptCountHeader(), Integer.toString(attempt - 1))
            .build();
    // A response this attempt may not hand to the caller is held (and drained) rather than streamed.
    boolean mayBeDiscarded = mode.repeats() && retrySafe && (mode.hedging() || attempt < mode.maxAttempts());
    java.util.concurrent.atomic.AtomicReference<HeldBody<T>> probe = new java.util.concurrent.atomic.AtomicReference<>();
    // Knows when the client ended this attempt's body, and how to end the attempt once abandoned.
    AbandonedExchange watch = new AbandonedExchange(mayUseHttp2(sent), client.maxDrainBytes(), client.resetBudget(),
        client.clock(), client.scheduler());
    BodyHandler<T> attemptHandler = info -> {
      watch.head(info);
      // Nobody waits for this attempt any more: its body is read and dropped, not buffered.
      if (watch.isAbandoned()) {
        return new EndWatchingSubscriber<>(HttpResponse.BodySubscribers.replacing(null), watch);
      }
      if (!mayBeDiscarded) {
        return new EndWatchingSubscriber<>(handler.apply(info), watch);
      }
      if (client.retryableStatuses().isRetryable(info.statusCode())) {
        return new EndWatchingSubscriber<>(new HeldBody<>(info, handler, client.maxDrainBytes()), watch);
      }
      if (mayBeKeyInUse(info)) {
        HeldBody<T> held = new HeldBody<>(info, handler, KeyInUse.MAX_BODY_BYTES);
        probe.set(held);
        return new EndWatchingSubscriber<>(held, watch);
      }
      return new EndWatchingSubscriber<>(handler.apply(info), watch);
    };
    long started = client.clock().nanoTime();
    CompletableFuture<HttpResponse<T>> exchange = pushPromises == null
        ? client.delegate().sendAsync(sent, attemptHandler)
        : client.delegate().sendAsync(sent, attemptHandler, pushPromises);
    CompletableFuture<HttpResponse<T>> outcome = new CompletableFuture<>();
    // Since JDK 16, cancelling sendAsync's future aborts the exchange and releases its connection;
    // over HTTP/2 it resets the stream, and servers count resets against rapid-reset floods
    // (Jetty 12 sends GOAWAY past 128 a second, which hedging at fixed(0) reached): the watch
    // paces those resets and drains what it may not reset.
    watch.attach(exchange);
    Runnable abandon = watch::abandon;
    context.onCancel(abandon);
    exchange.whenComplete((response, error) -> {
      Throwable failure = answerFailure(unwrap(error));
      if (LOG.isLoggable(Level.DEBUG)) {
        LOG.log(Level.DEBUG, AttemptLog.line(sent, attempt, response, failure, client.clock().nanoTime() - started));
      }
      if (failure == null) {
        HeldBody<T> held = probe.get();
        if (held != null && KeyInUse.isKeyInUse(held.heldBytes())) {
          keyInUse.add(response);
        }
        if (!outcome.complete(response)) {
          DiscardedResponses.release(response);
        }
      } else {
        outcome.completeExceptionally(attemptFailure(failure, body));
      }
    });
    outcome.whenComplete((response, error) -> {
      if (outcome.isCancelled()) {
        abandon.run();
      }
    });
    return outcome;
  }

  /** Whether this attempt may go over HTTP/2: the request's version, else the client's. */
  private boolean mayUseHttp2(HttpRequest sent) {
    return sent.version().orElse(client.delegate().version()) == HttpClient.Version.HTTP_2;
  }

  /**
   * Whether a response head may be {@link KeyInUse}'s answer: only then is its body held (at most
   * {@link KeyInUse#MAX_BODY_BYTES}, declared up front) to look for the problem type.
   */
  private boolean mayBeKeyInUse(HttpResponse.ResponseInfo info) {
    if (!KeyInUse.isCandidate(info.statusCode(), info.headers().firstValue("Content-Type").orElse(null), carriesKey)) {
      return false;
    }
    // Without a declared length the body could be anything; the caller gets it as it streams.
    long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
    return length >= 0 && length <= KeyInUse.MAX_BODY_BYTES;
  }

  /**
   * The JDK client fails some malformed answers with an unchecked exception ({@code Content-Length:
   * x} completes the exchange with a {@code NumberFormatException}, JDK 17 and 25): a bad answer,
   * not a caller bug, so it travels as the {@code IOException} {@code send} promises (and, for a
   * request that may not be sent twice, as a {@link NotRetriedException}). Cancellation stays what
   * it is.
   */
  private Throwable answerFailure(Throwable failure) {
    if (failure instanceof RuntimeException && !(failure instanceof java.util.concurrent.CancellationException)) {
      return new java.io.IOException("HttpClient failed on the answer to " + method + " " + redactedUri + ": " + failure, failure);
    }
    return failure;
  }

  /** Explains, in the exception itself, why a failure that might have been retried was not. */
  private Throwable attemptFailure(Throwable failure, RequestBodies.Prepared body) {
    // Without retries nothing is ever re-sent, so there is nothing to explain.
    if (!client.mayRepeat() || !(failure instanceof java.io.IOException) || failure instanceof HeldBody.Overflow) {
      return failure;
    }
    if (!body.replayable()) {
      return NotRetriedException.bodyNotReplayable(method, redactedUri, body.bytesRead(), body.limit(), failure);
    }
    if (!retrySafe && !NeverSent.isNeverSent(failure)) {
      return NotRetriedException.mayHaveBeenProcessed(method, redactedUri, failure);
    }
    return failure;
  }

  private Throwable toCallerFailure(Throwable failure) {
    return failure instanceof TailguardException
        ? new TailguardHttpException(method, redactedUri, (TailguardException) failure)
        : failure;
  }

  private static HttpRequest withBody(HttpRequest request, Optional<BodyPublisher> body) {
    if (body.equals(request.bodyPublisher())) {
      return request;
    }
    return HttpRequest.newBuilder(request, (name, value) -> true).method(request.method(), body.get()).build();
  }

  static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
