package dev.tailguard.okhttp;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.TailguardException;
import dev.tailguard.Verdict;
import dev.tailguard.http.HttpServerHints;
import dev.tailguard.http.HttpStatusPolicy;
import dev.tailguard.http.Idempotency;
import dev.tailguard.http.KeyInUse;
import dev.tailguard.http.NeverSent;
import dev.tailguard.http.NotRetriedException;
import dev.tailguard.http.Redaction;
import dev.tailguard.http.TailguardHttpException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An OkHttp application interceptor that retries or hedges calls with the same rules as {@link
 * dev.tailguard.http.ResilientHttpClient}:
 *
 * <ul>
 *   <li>GET, HEAD, OPTIONS, PUT, DELETE and TRACE may be sent twice; POST and PATCH only with an
 *       {@code Idempotency-Key} the caller set, or, after {@link
 *       Builder#serverHonoursIdempotencyKey(boolean) serverHonoursIdempotencyKey(true)}, with the
 *       automatic key, added once and reused on every attempt. By default a POST is sent once. A
 *       keyed request answered 409 "key in use" by Tailguard's idempotency filter waits the hint
 *       and asks again.
 *   <li>A failure before the request was sent is retried for every method; after it may have been
 *       sent, only for the requests above, and the others fail with a {@link NotRetriedException}
 *       saying the request "may have been processed".
 *   <li>408, 429, 502, 503, 504 are retried by default, honouring {@code Retry-After} and {@code
 *       RateLimit-Reset}; the last response is returned when retries run out.
 *   <li>A body whose {@code isOneShot()} is true is never sent twice.
 *   <li>Every attempt is its own OkHttp call on the base client's pool, so OkHttp's follow-ups
 *       ({@code 503} with {@code Retry-After: 0}, and for requests that must not be sent twice also
 *       redirects and authentication challenges) never re-send beneath Tailguard: {@code
 *       maxAttempts(3)} sends at most 3 requests. Retry-safe requests follow redirects as the base
 *       client says; a redirect loop (OkHttp's {@code ProtocolException("Too many follow-up
 *       requests")}) is final, not retried.
 *   <li>Responses nobody receives (retried ones, hedge losers, late ones) are closed; {@code
 *       Call.cancel()} is seen within milliseconds, also during a backoff, and is final; a timed-out
 *       attempt's call is cancelled.
 * </ul>
 *
 * <p>Install it with {@link TailguardOkHttp#wrap}, which builds the attempts' clients (and turns off
 * {@code retryOnConnectionFailure}, which re-sends POSTs, square/okhttp #2394); an interceptor added
 * to a client directly fails every call with an {@link IllegalStateException}. Instances are
 * immutable and thread-safe.
 *
 * @since 0.1
 */
public final class TailguardInterceptor implements Interceptor {
  private final Pipeline retrying;
  private final Pipeline hedging;
  private final Pipeline single;
  private final HttpStatusPolicy statuses;
  private final boolean serverHonoursKey;
  private final String attemptCountHeader;
  private final java.time.Clock wallClock;
  private final boolean repeats;
  /** The attempts' clients; null until {@link TailguardOkHttp#wrap} binds the interceptor. */
  private final SeparateAttempts attempts;

  private TailguardInterceptor(Builder b) {
    RetryPolicy retry = b.retryPolicy();
    HedgePolicy hedge = b.hedgePolicy();
    this.single = b.guards().build();
    this.retrying = retry != null ? b.guards().retry(retry).build() : single;
    this.hedging = hedge != null ? b.guards().hedge(hedge).build() : null;
    this.statuses = b.statuses;
    this.repeats = (retry != null && retry.maxAttempts() > 1) || hedge != null;
    this.serverHonoursKey = b.serverHonoursKey;
    this.attemptCountHeader = b.attemptCountHeader;
    this.wallClock = b.wallClock;
    this.attempts = null;
  }

  private TailguardInterceptor(TailguardInterceptor unbound, SeparateAttempts attempts) {
    this.retrying = unbound.retrying;
    this.hedging = unbound.hedging;
    this.single = unbound.single;
    this.statuses = unbound.statuses;
    this.repeats = unbound.repeats;
    this.serverHonoursKey = unbound.serverHonoursKey;
    this.attemptCountHeader = unbound.attemptCountHeader;
    this.wallClock = unbound.wallClock;
    this.attempts = attempts;
  }

  /** This interceptor's rules, with attempts sent on {@code base}'s guarded clients. */
  TailguardInterceptor boundTo(OkHttpClient base) {
    return new TailguardInterceptor(this, SeparateAttempts.on(base));
  }

  /** Starts a builder: no retries, no hedging. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    // Added with addInterceptor, every attempt would run inside OkHttp's follow-up loop, which
    // re-sends on its own: refuse instead of silently sending more than the policy allows.
    if (attempts == null) {
      throw new IllegalStateException("TailguardInterceptor must be installed with TailguardOkHttp.wrap(base, interceptor),"
          + " not OkHttpClient.Builder.addInterceptor: only then can OkHttp not re-send beneath it");
    }
    // Cancelled before it started: OkHttp's own answer, and nothing is sent.
    if (chain.call().isCanceled()) {
      throw new IOException("Canceled");
    }
    Request request = chain.request();
    boolean callerKey = request.header(Idempotency.HEADER) != null;
    // The automatic key only for servers the caller vouched honour it: it is what makes a POST retry-safe.
    boolean autoKey = repeats && serverHonoursKey && needsKey(request);
    if (autoKey) {
      request = request.newBuilder().header(Idempotency.HEADER, Idempotency.newKey()).build();
    }
    boolean retrySafe = Idempotency.isIdempotentMethod(request.method()) || callerKey || autoKey;
    boolean replayable = request.body() == null || !request.body().isOneShot();
    OkHttpCall call = new OkHttpCall(request, retrySafe, replayable);
    try {
      Pipeline pipeline = !replayable ? single : hedging != null && retrySafe ? hedging : retrying;
      return attempts.run(pipeline, call, chain.call());
    } catch (TailguardException ended) {
      // OkHttp callers catch IOException: what ended the call travels as its cause.
      throw new TailguardHttpException(request.method(), Redaction.uri(request.url().uri()), ended);
    } catch (IOException | RuntimeException | Error failure) {
      throw failure;
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while retrying " + call.describe());
    } catch (Exception other) {
      throw new IOException(other);
    }
  }

  /** POST and PATCH without a key; method names are case-sensitive (RFC 9110 §9.1), as in {@link Idempotency}. */
  private static boolean needsKey(Request request) {
    String method = request.method();
    return (method.equals("POST") || method.equals("PATCH")) && request.header(Idempotency.HEADER) == null;
  }

  /** What one call needs from the interceptor's configuration. */
  final class OkHttpCall {
    final Request request;
    final boolean retrySafe;
    final boolean replayable;

    OkHttpCall(Request request, boolean retrySafe, boolean replayable) {
      this.request = request;
      this.retrySafe = retrySafe;
      this.replayable = replayable;
    }

    String describe() {
      return request.method() + " " + Redaction.uri(request.url().uri());
    }

    /** The request of attempt {@code number} (from 1), tagged for {@link FollowUpGuard}. */
    Request forAttempt(int number) {
      Request.Builder attempt = request.newBuilder().tag(FollowUpGuard.Hidden.class, new FollowUpGuard.Hidden());
      if (attemptCountHeader != null) {
        attempt.header(attemptCountHeader, Integer.toString(number - 1));
      }
      return attempt.build();
    }

    OutcomeHandler<Response> outcomes() {
      return OutcomeHandler.<Response>builder()
          .classifier(this::classify)
          .serverHint((response, error) -> response == null ? null : HttpServerHints.fromHeaderValues(response::headers, wallClock).orElse(null))
          .onDiscard(Response::close)
          .resultSummary(response -> "HTTP " + response.code())
          .returnLastResultOnGiveUp(true)
          .build();
    }

    private Verdict classify(Response response, Throwable error) {
      // A cancelled attempt's call (the caller cancelled, a hedge lost, a timeout): final, and not the backend's fault.
      if (error instanceof CancellationException) {
        return Verdict.NON_RETRYABLE;
      }
      if (error == null && isKeyInUse(response)) {
        return Verdict.RETRYABLE;
      }
      // OkHttp followed 20 redirects and gave up: a loop, which the next attempt would only repeat.
      if (isRedirectLoop(error)) {
        return Verdict.NON_RETRYABLE;
      }
      return statuses.verdict(error == null ? response.code() : 0, error, retrySafe);
    }

    /**
     * Tailguard's idempotency filter answers 409 "key in use" while the first attempt of this very
     * request still runs: wait its Retry-After and ask again (the shared {@link KeyInUse} rule).
     */
    private boolean isKeyInUse(Response response) {
      if (!KeyInUse.isCandidate(response.code(), response.header("Content-Type"), request.header(Idempotency.HEADER) != null)) {
        return false;
      }
      // The same rule as the JDK adapter: only a body that declares at most MAX_BODY_BYTES is looked at.
      long length = response.body() == null ? -1 : response.body().contentLength();
      if (length < 0 || length > KeyInUse.MAX_BODY_BYTES) {
        return false;
      }
      try {
        return KeyInUse.isKeyInUse(response.peekBody(KeyInUse.MAX_BODY_BYTES).bytes());
      } catch (IOException unreadable) {
        return false;
      }
    }

    /** OkHttp's {@code ProtocolException("Too many follow-up requests: 21")}, anywhere in the causes. */
    private boolean isRedirectLoop(Throwable error) {
      for (Throwable current = error; current != null; current = current.getCause()) {
        if (current instanceof java.net.ProtocolException && current.getMessage() != null
            && current.getMessage().startsWith("Too many follow-up requests")) {
          return true;
        }
        if (current.getCause() == current) {
          return false;
        }
      }
      return false;
    }

    /** Explains, in the exception itself, why a failure that might have been retried was not. */
    IOException attemptFailure(IOException failure) {
      if (NeverSent.isNeverSent(failure)) {
        return failure;
      }
      if (!replayable) {
        return NotRetriedException.oneShotBody(request.method(), Redaction.uri(request.url().uri()), failure);
      }
      if (!retrySafe) {
        return NotRetriedException.mayHaveBeenProcessed(request.method(), Redaction.uri(request.url().uri()), failure);
      }
      return failure;
    }
  }

  /**
   * Builds a {@link TailguardInterceptor}. Retry, circuit breaker, timeout, clock and scheduler are
   * set as in every adapter ({@link AdapterBuilder}). Every attempt is a separate call on the
   * client given to {@link TailguardOkHttp#wrap}, run on Tailguard's threads while the calling
   * thread waits; backoffs and hedge delays run on the scheduler. The per-attempt timeout lasts
   * until the attempt's response headers arrive and cancels the attempt's call when it expires;
   * without one, OkHttp's own timeouts apply. Not thread-safe.
   */
  public static final class Builder extends AdapterBuilder<Builder> {
    private HttpStatusPolicy statuses = HttpStatusPolicy.defaults();
    private boolean serverHonoursKey;
    private String attemptCountHeader;
    private java.time.Clock wallClock = java.time.Clock.systemUTC();

    private Builder() {}

    /**
     * Hedges retry-safe calls under {@code policy}: each attempt is a separate call on the client
     * passed to {@link TailguardOkHttp#wrap} (its pool, dispatcher and listeners). Calls that are
     * not safe to send twice are sent once.
     *
     * @throws IllegalStateException if a retry policy is set (one or the other)
     */
    public Builder hedge(HedgePolicy policy) {
      useHedge(policy);
      return this;
    }

    /** Which statuses are retried. Default: {@link HttpStatusPolicy#defaults()}. */
    public Builder retryableStatuses(HttpStatusPolicy statuses) {
      this.statuses = Objects.requireNonNull(statuses, "retryableStatuses");
      return this;
    }

    /**
     * Says that the servers this client talks to honour {@code Idempotency-Key} (execute a keyed
     * request at most once). Then every POST and PATCH without a key gets a random one (the same on
     * every attempt and hedge, written as a structured-field string) and may be retried and hedged.
     * Default {@code false}: a POST or PATCH is sent more than once only when the caller set a key.
     */
    public Builder serverHonoursIdempotencyKey(boolean honours) {
      this.serverHonoursKey = honours;
      return this;
    }

    /**
     * The former name of {@link #serverHonoursIdempotencyKey}; same meaning, same default
     * ({@code false}), as on {@code ResilientHttpClient}.
     *
     * @deprecated use {@link #serverHonoursIdempotencyKey}, which says what the caller vouches for
     */
    @Deprecated
    public Builder autoIdempotencyKey(boolean enabled) {
      return serverHonoursIdempotencyKey(enabled);
    }

    /**
     * Sends the number of earlier attempts in this header (0 on the first), like gRPC's {@code
     * grpc-previous-rpc-attempts}, so servers can see retries and hedges. Default: not sent.
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

    /** The wall clock HTTP-date hints are read against. Default {@code Clock.systemUTC()}. */
    public Builder wallClock(java.time.Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
      return this;
    }

    /** Builds the interceptor. */
    public TailguardInterceptor build() {
      return new TailguardInterceptor(this);
    }
  }
}
