package dev.tailguard.okhttp;

import dev.tailguard.AdapterBuilder;
import dev.tailguard.AttemptCallable;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.RetryPolicy;
import dev.tailguard.TailguardException;
import dev.tailguard.http.HttpServerHints;
import dev.tailguard.http.HttpStatusPolicy;
import dev.tailguard.http.Idempotency;
import dev.tailguard.http.NeverSent;
import dev.tailguard.http.NotRetriedException;
import dev.tailguard.http.Redaction;
import dev.tailguard.http.TailguardHttpException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.Objects;
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
 *       {@code Idempotency-Key}, which {@code autoIdempotencyKey} (on by default when retrying or
 *       hedging) adds once and reuses on every attempt, never replacing the caller's.
 *   <li>A failure before the request was sent is retried for every method; after it may have been
 *       sent, only for the requests above, and the others fail with a {@link NotRetriedException}
 *       saying the request "may have been processed".
 *   <li>408, 429, 502, 503, 504 are retried by default, honouring {@code Retry-After} and {@code
 *       RateLimit-Reset}; the last response is returned when retries run out.
 *   <li>A body whose {@code isOneShot()} is true is never sent twice.
 *   <li>The previous response is closed before the next attempt (OkHttp's close drains what it can
 *       within 100 ms, so the connection can be reused).
 *   <li>Hedges run as separate calls on the base client; losers are cancelled.
 * </ul>
 *
 * <p>Install it with {@link TailguardOkHttp#wrap}, which also turns off OkHttp's own silent
 * re-sending after connection failures ({@code retryOnConnectionFailure}), which re-sends POSTs
 * (square/okhttp #2394). Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class TailguardInterceptor implements Interceptor {
  /** Marks requests that are already one of our attempts, so the interceptor passes them through. */
  static final class OwnAttempt {
    static final OwnAttempt MARK = new OwnAttempt();

    private OwnAttempt() {}
  }

  private final Pipeline retrying;
  private final Pipeline hedging;
  private final Pipeline single;
  private final OkHttpClient hedgeClient;
  private final HttpStatusPolicy statuses;
  private final boolean autoIdempotencyKey;
  private final java.time.Clock wallClock;
  private final boolean repeats;

  private TailguardInterceptor(Builder b) {
    RetryPolicy retry = b.retryPolicy();
    HedgePolicy hedge = b.hedgePolicy();
    this.single = b.guards().build();
    this.retrying = retry != null ? b.guards().retry(retry).build() : single;
    this.hedging = hedge != null ? b.guards().hedge(hedge).build() : null;
    this.hedgeClient = b.hedgeClient;
    this.statuses = b.statuses;
    this.repeats = (retry != null && retry.maxAttempts() > 1) || hedge != null;
    this.autoIdempotencyKey = b.autoIdempotencyKey != null ? b.autoIdempotencyKey : repeats;
    this.wallClock = b.wallClock;
  }

  /** Starts a builder: no retries, no hedging. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    // Our own hedge attempts come through the chain again; they are plain sends.
    if (request.tag(OwnAttempt.class) != null) {
      return chain.proceed(request);
    }
    if (repeats && autoIdempotencyKey && needsKey(request)) {
      request = request.newBuilder().header(Idempotency.HEADER, Idempotency.newKey()).build();
    }
    boolean retrySafe = Idempotency.isIdempotentMethod(request.method()) || request.header(Idempotency.HEADER) != null;
    boolean replayable = request.body() == null || !request.body().isOneShot();
    OkHttpCall call = new OkHttpCall(request, retrySafe, replayable);
    try {
      if (!replayable) {
        return single.execute(call.viaChain(chain), call.outcomes());
      }
      if (hedging != null && retrySafe) {
        return new HedgedOkHttpCall(hedgeClient, call, chain.call()).run(hedging);
      }
      return retrying.execute(call.viaChain(chain), call.outcomes());
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

  private static boolean needsKey(Request request) {
    String method = request.method().toUpperCase(Locale.ROOT);
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

    OutcomeHandler<Response> outcomes() {
      return OutcomeHandler.<Response>builder()
          .classifier((response, error) -> statuses.verdict(error == null ? response.code() : 0, error, retrySafe))
          .serverHint((response, error) -> response == null ? null : HttpServerHints.delay(response::header, wallClock).orElse(null))
          .onDiscard(Response::close)
          .resultSummary(response -> "HTTP " + response.code())
          .returnLastResultOnGiveUp(true)
          .build();
    }

    /** Attempts that re-run the rest of the chain on this thread. */
    AttemptCallable<Response> viaChain(Chain chain) {
      return context -> {
        try {
          return chain.proceed(request);
        } catch (IOException failure) {
          throw attemptFailure(failure);
        }
      };
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
   * set as in every adapter ({@link AdapterBuilder}); a retry re-runs the rest of the chain on the
   * calling thread, and without a timeout OkHttp's own timeouts apply. Not thread-safe.
   */
  public static final class Builder extends AdapterBuilder<Builder> {
    private OkHttpClient hedgeClient;
    private HttpStatusPolicy statuses = HttpStatusPolicy.defaults();
    private Boolean autoIdempotencyKey;
    private java.time.Clock wallClock = java.time.Clock.systemUTC();

    private Builder() {}

    /**
     * Hedges retry-safe calls under {@code policy}: each attempt is a separate call on {@code
     * base} (share its connection pool; {@link TailguardOkHttp#wrap} passes it). Calls that are
     * not safe to send twice are sent once.
     *
     * @throws IllegalStateException if a retry policy is set (one or the other)
     */
    public Builder hedge(HedgePolicy policy, OkHttpClient base) {
      Objects.requireNonNull(base, "base");
      useHedge(policy);
      this.hedgeClient = base;
      return this;
    }

    /** Which statuses are retried. Default: {@link HttpStatusPolicy#defaults()}. */
    public Builder retryableStatuses(HttpStatusPolicy statuses) {
      this.statuses = Objects.requireNonNull(statuses, "retryableStatuses");
      return this;
    }

    /** Whether POST and PATCH get an {@code Idempotency-Key}. Default: on when retrying or hedging. */
    public Builder autoIdempotencyKey(boolean enabled) {
      this.autoIdempotencyKey = enabled;
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
