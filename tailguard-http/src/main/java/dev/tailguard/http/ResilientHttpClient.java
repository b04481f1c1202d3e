package dev.tailguard.http;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.HedgePolicy;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.time.Clock;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that retries or hedges, under a budget, a circuit breaker and a per-attempt
 * timeout, and is safe by default about what it sends twice. It extends {@code HttpClient} and
 * delegates to one, so it drops into code that already takes an {@code HttpClient}.
 *
 * <pre>{@code
 * HttpClient client = ResilientHttpClient.builder()
 *     .client(HttpClient.newHttpClient())
 *     .retry(RetryPolicy.builder().maxAttempts(3).admission(RetryBudget.tokenBucket().build()).build())
 *     .build();
 * HttpResponse<String> response = client.send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <h2>What is sent twice</h2>
 *
 * <ul>
 *   <li>GET, HEAD, OPTIONS, PUT, DELETE and TRACE may be retried and hedged; POST and PATCH only
 *       with the caller's own {@code Idempotency-Key} header, through {@link #sendIdempotent}, or
 *       when the client was built with {@link Builder#serverHonoursIdempotencyKey}{@code (true)}.
 *   <li>With {@link Builder#serverHonoursIdempotencyKey}{@code (true)} (default {@code false})
 *       every POST and PATCH without a key gets a random one, the same on every attempt; a key the
 *       caller set is never replaced.
 *   <li>A failure before the request left the client (connection refused, connect timeout) is
 *       retried for every method. A failure after it may have reached the server is retried only
 *       for the requests above; for the rest the caller gets a {@link NotRetriedException} whose
 *       message says the request "may have been processed".
 *   <li>408, 429, 502, 503 and 504 are retryable by default ({@link HttpStatusPolicy}); other
 *       responses are returned. When retries run out the caller gets the last response.
 *   <li>{@code Retry-After} (seconds or HTTP-date), {@code RateLimit-Reset} and {@code
 *       X-RateLimit-Reset} set the next delay, capped by the policy's {@code maxServerDelay}.
 * </ul>
 *
 * <h2>Bodies</h2>
 *
 * <ul>
 *   <li>String, byte-array, file and empty request bodies are re-sent as they are. Other
 *       publishers ({@code ofInputStream}, {@code fromPublisher}, ...) are read into memory up to
 *       {@link Builder#maxReplayBytes} (default 1 MiB) so that no attempt sends an empty or
 *       truncated body; a larger body, or one that does not fit in what is left of the client's
 *       {@link Builder#maxReplayBytesInFlight} (default 32 MiB, shared by all calls), is sent
 *       once, the call is not retried, and a {@link BodyNotReplayableEvent} is reported.
 *   <li>Every response not handed to the caller (a retried 503, a hedge that lost, a late
 *       arrival) is released: a retryable response is read up to {@link Builder#maxDrainBytes}
 *       (default 64 KiB) so its connection can be reused, streaming bodies are closed, and losers
 *       still in flight are cancelled, which aborts their exchange. Over HTTP/2 that cancel resets
 *       the stream, and servers answer many resets a second with GOAWAY (rapid-reset defence),
 *       which hedging at a delay of zero reached: so HTTP/2 resets are paced by {@link
 *       Builder#maxStreamResetsPerSecond}, losers beyond it are drained (bounded by {@link
 *       Builder#maxDrainBytes} and one second), and a loser whose headers have arrived, with a
 *       body of at most {@code maxDrainBytes}, first gets up to 100 ms to finish unreset.
 * </ul>
 *
 * <h2>Key in use</h2>
 *
 * For a request carrying an {@code Idempotency-Key}, a 409 {@code application/problem+json}
 * answer of type {@value KeyInUse#PROBLEM_TYPE} with a declared length of at most {@value
 * KeyInUse#MAX_BODY_BYTES} bytes (Tailguard's idempotency filter, while an earlier attempt with
 * the key still runs) is retryable: the next attempt or hedge waits its {@code Retry-After}. Other
 * 409s are returned.
 *
 * <h2>What the timeout and the hedge delay cover</h2>
 *
 * An attempt lasts until its {@code sendAsync} future completes: for buffering body handlers
 * ({@code ofString}, {@code ofByteArray}, ...) until the last byte of the body, for streaming ones
 * ({@code ofInputStream}, {@code ofLines}, {@code ofPublisher}) until the headers.
 *
 * <h2>The JDK client's own retries</h2>
 *
 * {@code java.net.http.HttpClient} (measured on JDK 17 and 25) itself sends a GET or HEAD a
 * second time inside each {@code send} when the server resets the connection after reading it,
 * even on a fresh HTTP/1.1 connection, so under {@code maxAttempts(3)} such a server receives 6
 * GETs; it does not re-send a POST, PUT, DELETE or OPTIONS, nor anything after an invalid status
 * line. These re-sends are immediate and do not ask the budget. The delegate's redirect policy also
 * applies beneath this client to every method: with {@code Redirect.NORMAL} or {@code ALWAYS} the
 * JDK client re-sends a POST answered 307 to its {@code Location} by itself (a loop: 5 requests in
 * one {@code send}); {@code HttpClient.newHttpClient()} follows no redirect.
 *
 * <h2>Machines with one or two CPUs</h2>
 *
 * Hedges, and every attempt of {@code sendAsync}, go through {@code HttpClient.sendAsync}, which
 * completes each response on {@code CompletableFuture}'s default executor. With fewer than three
 * CPUs the common pool's parallelism is 1, and on JDK 17 that executor then starts a new thread
 * per response (JDK 25 uses the common pool regardless); on two cores this made a hedged
 * exchange cost about 1.6 times the CPU in the lab. Start such JVMs with {@code
 * -Djava.util.concurrent.ForkJoinPool.common.parallelism=2} (or more); the {@code tailguard-lab}
 * CLI sets it for itself.
 *
 * <h2>Failures</h2>
 *
 * {@code send} and {@code sendAsync} fail with {@link IOException}s, as {@code HttpClient} does:
 * the attempt's own exception, a {@link NotRetriedException}, or a {@link TailguardHttpException}
 * wrapping what ended the call (exhausted retries, an open circuit, a budget refusal, a timeout).
 * An unchecked exception the JDK client completes an exchange with (its {@code
 * NumberFormatException} on {@code Content-Length: x}) is a malformed answer and travels as an
 * {@code IOException} too.
 * Attempts are logged at DEBUG on the {@code dev.tailguard.http} {@link System.Logger}, with
 * credentials redacted and never a body.
 *
 * <p>Instances are immutable and thread-safe. {@link #close()} closes the delegate when it is
 * closeable (JDK 21+).
 *
 * @since 0.1
 */
public final class ResilientHttpClient extends HttpClient {
  private static final System.Logger LOG = System.getLogger("dev.tailguard.http");

  /** How a call runs: the pipeline, and what the attempt code needs to know about it. */
  record Mode(Pipeline pipeline, boolean repeats, boolean hedging, int maxAttempts) {}

  private final HttpClient delegate;
  private final HttpStatusPolicy retryableStatuses;
  private final boolean serverHonoursIdempotencyKey;
  private final long maxReplayBytes;
  private final ReplayBudget replayBudget;
  private final long maxDrainBytes;
  private final ResetBudget resetBudget;
  private final String attemptCountHeader;
  private final java.time.Clock wallClock;
  private final Clock clock;
  private final dev.tailguard.time.Scheduler scheduler;
  private final Consumer<BodyNotReplayableEvent> onBodyNotReplayable;
  private final Mode safe;
  private final Mode unsafe;
  private final Mode single;

  private ResilientHttpClient(Builder b) {
    this.delegate = b.client != null ? b.client : HttpClient.newHttpClient();
    this.retryableStatuses = b.retryableStatuses;
    this.maxReplayBytes = b.maxReplayBytes;
    this.replayBudget = new ReplayBudget(b.maxReplayBytesInFlight);
    this.maxDrainBytes = b.maxDrainBytes;
    this.attemptCountHeader = b.attemptCountHeader;
    this.wallClock = b.wallClock;
    this.clock = b.clock();
    this.scheduler = b.scheduler();
    this.resetBudget = new ResetBudget(b.maxStreamResetsPerSecond, clock);
    this.onBodyNotReplayable = b.onBodyNotReplayable;
    HedgePolicy hedge = b.hedgePolicy();
    RetryPolicy retry = b.retryPolicy();
    // Every mode shares the breaker and the timeout; the retry or hedge differs per mode.
    this.single = new Mode(b.guards().build(), false, false, 1);
    if (hedge != null) {
      this.safe = new Mode(b.guards().hedge(hedge).build(), true, true, hedge.maxAttempts());
      // Requests that may not be hedged still deserve a retry when they never left the client.
      RetryPolicy connectRetry = RetryPolicy.builder().maxAttempts(2).admission(hedge.admission()).build();
      this.unsafe = new Mode(b.guards().retry(connectRetry).build(), true, false, 2);
    } else if (retry != null && retry.maxAttempts() > 1) {
      this.safe = new Mode(b.guards().retry(retry).build(), true, false, retry.maxAttempts());
      this.unsafe = safe;
    } else {
      this.safe = single;
      this.unsafe = single;
    }
    this.serverHonoursIdempotencyKey = b.serverHonoursIdempotencyKey;
  }

  /** Starts a builder: no retries, no hedging, the default {@code HttpClient}. */
  public static Builder builder() {
    return new Builder();
  }

  // ---- sending ----

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) throws IOException, InterruptedException {
    return await(call(request, handler, null, false, Runnable::run));
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
    return call(request, handler, null, false, asyncExecutor());
  }

  /**
   * As {@link HttpClient#sendAsync(HttpRequest, BodyHandler, PushPromiseHandler)}. Pushed
   * responses of attempts that are later discarded still reach {@code pushPromiseHandler}.
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushPromiseHandler) {
    return call(request, handler, Objects.requireNonNull(pushPromiseHandler, "pushPromiseHandler"), false, asyncExecutor());
  }

  /**
   * Sends a request the caller vouches is safe to send more than once, whatever its method (a
   * POST the server de-duplicates by other means). It is retried and hedged like a GET.
   */
  public <T> HttpResponse<T> sendIdempotent(HttpRequest request, BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return await(call(request, handler, null, true, Runnable::run));
  }

  /** The asynchronous form of {@link #sendIdempotent}. */
  public <T> CompletableFuture<HttpResponse<T>> sendIdempotentAsync(HttpRequest request, BodyHandler<T> handler) {
    return call(request, handler, null, true, asyncExecutor());
  }

  /** GETs {@code uri} and reads the body as a UTF-8 string. */
  public HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri).GET().build(), BodyHandlers.ofString());
  }

  /** Sends a HEAD request to {@code uri}. */
  public HttpResponse<Void> head(URI uri) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri).method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.discarding());
  }

  /** POSTs {@code body} with the given content type and reads the answer as a string. */
  public HttpResponse<String> post(URI uri, String contentType, byte[] body) throws IOException, InterruptedException {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", contentType)
        .POST(BodyPublishers.ofByteArray(body)).build();
    return send(request, BodyHandlers.ofString());
  }

  /** POSTs {@code form} as {@code application/x-www-form-urlencoded} (UTF-8). */
  public HttpResponse<String> postForm(URI uri, Map<String, String> form) throws IOException, InterruptedException {
    StringJoiner encoded = new StringJoiner("&");
    Objects.requireNonNull(form, "form").forEach((name, value) -> encoded.add(
        URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return post(uri, "application/x-www-form-urlencoded", encoded.toString().getBytes(StandardCharsets.UTF_8));
  }

  private <T> CompletableFuture<HttpResponse<T>> call(
      HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushPromises, boolean vouched, Executor bufferExecutor) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(handler, "responseBodyHandler");
    return new HttpCall<>(this, request, handler, pushPromises, vouched).start(bufferExecutor);
  }

  private Executor asyncExecutor() {
    return delegate.executor().orElse(ForkJoinPool.commonPool());
  }

  private static <T> T await(CompletableFuture<T> future) throws IOException, InterruptedException {
    try {
      return future.get();
    } catch (InterruptedException interrupted) {
      // The caller gave up: cancel the attempts so that no exchange outlives the call.
      future.cancel(true);
      throw interrupted;
    } catch (ExecutionException failed) {
      Throwable cause = HttpCall.unwrap(failed);
      if (cause instanceof IOException) {
        throw (IOException) cause;
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IOException(cause);
    } catch (CancellationException cancelled) {
      throw new IOException("call cancelled", cancelled);
    }
  }

  // ---- what calls need ----

  HttpClient delegate() {
    return delegate;
  }

  HttpStatusPolicy retryableStatuses() {
    return retryableStatuses;
  }

  boolean mayRepeat() {
    return safe.repeats();
  }

  /** Whether POST and PATCH without a key get one: only when the caller said the server honours it. */
  boolean addsIdempotencyKey() {
    return serverHonoursIdempotencyKey && safe.repeats();
  }

  long maxReplayBytes() {
    return maxReplayBytes;
  }

  ReplayBudget replayBudget() {
    return replayBudget;
  }

  /** Bytes of one-shot bodies held for replay right now, by all calls (for tests). */
  long replayBytesInFlight() {
    return replayBudget.inUse();
  }

  long maxDrainBytes() {
    return maxDrainBytes;
  }

  ResetBudget resetBudget() {
    return resetBudget;
  }

  String attemptCountHeader() {
    return attemptCountHeader;
  }

  java.time.Clock wallClock() {
    return wallClock;
  }

  Clock clock() {
    return clock;
  }

  dev.tailguard.time.Scheduler scheduler() {
    return scheduler;
  }

  Mode safeMode() {
    return safe;
  }

  Mode unsafeMode() {
    return unsafe;
  }

  Mode single() {
    return single;
  }

  void bodyNotReplayable(BodyNotReplayableEvent event) {
    LOG.log(Level.DEBUG, () -> "not retryable: " + event);
    try {
      onBodyNotReplayable.accept(event);
    } catch (RuntimeException listenerFailure) {
      LOG.log(Level.WARNING, "onBodyNotReplayable listener failed", listenerFailure);
    }
  }

  // ---- HttpClient's configuration, from the delegate ----

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  /** WebSockets are not retried; this is the delegate's builder. */
  @Override
  public java.net.http.WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  /**
   * Closes the delegate when it is {@link AutoCloseable} (JDK 21+), waiting for its exchanges to
   * finish; on JDK 17 the delegate's resources are released when it is garbage collected.
   */
  public void close() {
    if (delegate instanceof AutoCloseable) {
      try {
        ((AutoCloseable) delegate).close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("closing the delegate HttpClient failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "ResilientHttpClient{" + safe.pipeline() + ", statuses=" + retryableStatuses
        + ", serverHonoursIdempotencyKey=" + serverHonoursIdempotencyKey + ", maxReplayBytes=" + maxReplayBytes
        + ", maxReplayBytesInFlight=" + replayBudget.limit() + "}";
  }

  /**
   * Builds a {@link ResilientHttpClient}. Retry, circuit breaker, timeout, clock and scheduler are
   * set as in every adapter ({@link AdapterBuilder}). Not thread-safe.
   */
  public static final class Builder extends AdapterBuilder<Builder> {
    private HttpClient client;
    private HttpStatusPolicy retryableStatuses = HttpStatusPolicy.defaults();
    private boolean serverHonoursIdempotencyKey;
    private long maxReplayBytes = 1 << 20;
    private long maxReplayBytesInFlight = 32L << 20;
    private long maxDrainBytes = 64 << 10;
    private int maxStreamResetsPerSecond = 50;
    private String attemptCountHeader;
    private java.time.Clock wallClock = java.time.Clock.systemUTC();
    private Consumer<BodyNotReplayableEvent> onBodyNotReplayable = event -> {};

    private Builder() {}

    /** The client that sends each attempt. Default: {@code HttpClient.newHttpClient()}. */
    public Builder client(HttpClient client) {
      Objects.requireNonNull(client, "client");
      if (client instanceof ResilientHttpClient) {
        throw new IllegalArgumentException("client is already a ResilientHttpClient: " + client
            + "; wrapping it would multiply every retry");
      }
      this.client = client;
      return this;
    }

    /**
     * Hedges retry-safe requests under {@code policy}. Requests that are not safe to send twice
     * are sent once, retried only when they never left the client.
     *
     * @throws IllegalStateException if a retry policy is set (one or the other)
     */
    public Builder hedge(HedgePolicy policy) {
      useHedge(policy);
      return this;
    }

    /** Which statuses are retried. Default: {@link HttpStatusPolicy#defaults()}. */
    public Builder retryableStatuses(HttpStatusPolicy statuses) {
      this.retryableStatuses = Objects.requireNonNull(statuses, "retryableStatuses");
      return this;
    }

    /**
     * Says that the server de-duplicates requests by their {@code Idempotency-Key} (as Tailguard's
     * {@code IdempotencyFilter}, Stripe and the IETF draft do). Then every POST and PATCH without
     * a key gets a random one, the same on every attempt and hedge, and is retried and hedged like
     * a GET. Default {@code false}: a POST or PATCH without the caller's own key is sent once and
     * re-sent only when it provably never left the client, because a server that ignores the key
     * would execute it twice.
     */
    public Builder serverHonoursIdempotencyKey(boolean honoured) {
      this.serverHonoursIdempotencyKey = honoured;
      return this;
    }

    /**
     * The former name of {@link #serverHonoursIdempotencyKey}; same meaning, same default
     * ({@code false}).
     *
     * @deprecated use {@link #serverHonoursIdempotencyKey}, which says what the caller vouches for
     */
    @Deprecated
    public Builder autoIdempotencyKey(boolean enabled) {
      return serverHonoursIdempotencyKey(enabled);
    }

    /**
     * How many bytes of a one-shot request body are buffered so that it can be re-sent. Default
     * 1 MiB.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxReplayBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxReplayBytes must be >= 0: " + bytes);
      }
      this.maxReplayBytes = bytes;
      return this;
    }

    /**
     * How many bytes of one-shot request bodies this client holds in memory for replay at once,
     * over all its calls. A body that does not fit is sent once and not retried, exactly as one
     * over {@link #maxReplayBytes}, and a {@link BodyNotReplayableEvent} is reported whose {@code
     * cap} is this limit. A call's bytes are given back when it ends. String, byte-array, file and
     * empty bodies are never buffered and do not count. Default 32 MiB.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxReplayBytesInFlight(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxReplayBytesInFlight must be >= 0: " + bytes);
      }
      this.maxReplayBytesInFlight = bytes;
      return this;
    }

    /**
     * How many bytes of a retryable response's body are read (and dropped) to keep its connection
     * reusable. A larger body is dropped by closing the connection. Default 64 KiB.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxDrainBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxDrainBytes must be >= 0: " + bytes);
      }
      this.maxDrainBytes = bytes;
      return this;
    }

    /**
     * How many HTTP/2 streams per second this client resets to abandon attempts nobody waits for
     * any more (hedge losers, timed-out attempts, cancelled calls), at most half of that in one
     * burst: servers answer many resets a second with GOAWAY, which fails every stream of the
     * connection (rapid-reset defences against CVE-2023-44487; Jetty 12 allows 128 a second,
     * Netty's {@code Http2MaxRstFrameDecoder} 200 in 30 s). An attempt beyond the budget is not
     * reset but drained: it runs on and its body is read and dropped until it ends, a token frees
     * up, more than {@link #maxDrainBytes} of its body arrived, or one second passed; in the last
     * two cases it is reset anyway. {@code 0} drains every abandoned HTTP/2 attempt up to those
     * bounds. HTTP/1.1 attempts are not affected: abandoning one closes its connection. The
     * budget is shared by all the client's connections. Default 50.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxStreamResetsPerSecond(int resets) {
      if (resets < 0) {
        throw new IllegalArgumentException("maxStreamResetsPerSecond must be >= 0: " + resets);
      }
      this.maxStreamResetsPerSecond = resets;
      return this;
    }

    /**
     * Sends the number of earlier attempts in this header (0 on the first), like gRPC's {@code
     * grpc-previous-rpc-attempts}, so servers can see retries. Default: not sent.
     *
     * @throws IllegalArgumentException if {@code name} is blank or not a token
     */
    public Builder attemptCountHeader(String name) {
      Objects.requireNonNull(name, "attemptCountHeader");
      if (name.isBlank() || !name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
        throw new IllegalArgumentException("attemptCountHeader must be an HTTP token: '" + name + "'");
      }
      this.attemptCountHeader = name;
      return this;
    }

    /** The wall clock HTTP-date hints are read against. Default: {@code Clock.systemUTC()}. */
    public Builder wallClock(java.time.Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
      return this;
    }

    /** Told when a call runs as a single attempt because its body cannot be replayed. */
    public Builder onBodyNotReplayable(Consumer<BodyNotReplayableEvent> listener) {
      this.onBodyNotReplayable = Objects.requireNonNull(listener, "onBodyNotReplayable");
      return this;
    }

    /** Builds the client. */
    public ResilientHttpClient build() {
      return new ResilientHttpClient(this);
    }
  }
}
