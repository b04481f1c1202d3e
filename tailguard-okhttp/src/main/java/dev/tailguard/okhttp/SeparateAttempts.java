package dev.tailguard.okhttp;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import dev.tailguard.http.Redaction;
import okhttp3.Authenticator;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Runs every Tailguard attempt as its own OkHttp {@link Call} on clients derived from the base
 * client (same pool and dispatcher), never through {@code chain.proceed}: inside one {@code
 * proceed} OkHttp's follow-up logic may send the request again, which Tailguard could neither see
 * nor count. The attempt clients carry {@link FollowUpGuard}; the one for requests that must not
 * be sent twice also follows no redirects and answers no authentication challenge, so such a
 * request reaches the network exactly once per attempt.
 *
 * <p>Attempts run with {@code execute()} on Tailguard's threads (not {@code enqueue()}: attempts
 * waiting in the dispatcher's per-host queue behind the very calls that wait for them would
 * deadlock). The calling thread waits for the outcome and notices within {@value #CANCEL_POLL_MILLIS}
 * ms that the outer call was cancelled, also during a backoff; it then cancels the attempts and
 * timers. A response that arrives for an attempt nobody waits for any more is closed. Thread-safe.
 */
final class SeparateAttempts {
  private static final System.Logger LOG = System.getLogger("dev.tailguard.http");
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService ATTEMPTS = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "tailguard-okhttp-attempt-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });
  /** How often the waiting thread checks whether the outer call was cancelled. */
  static final long CANCEL_POLL_MILLIS = 10;

  private final OkHttpClient resendable;
  private final OkHttpClient once;

  private SeparateAttempts(OkHttpClient resendable, OkHttpClient once) {
    this.resendable = resendable;
    this.once = once;
  }

  /** The attempt clients for {@code base}: no silent re-sends, OkHttp's follow-ups guarded. */
  static SeparateAttempts on(OkHttpClient base) {
    OkHttpClient resendable = base.newBuilder().retryOnConnectionFailure(false).addNetworkInterceptor(new FollowUpGuard())
        .eventListenerFactory(GatedEventListener.around(base.eventListenerFactory())).build();
    OkHttpClient once = resendable.newBuilder().followRedirects(false).followSslRedirects(false)
        .authenticator(Authenticator.NONE).proxyAuthenticator(Authenticator.NONE).build();
    return new SeparateAttempts(resendable, once);
  }

  /** Runs {@code call} under {@code pipeline} and waits for its outcome on this thread. */
  Response run(Pipeline pipeline, TailguardInterceptor.OkHttpCall call, Call outer) throws Exception {
    OkHttpClient client = call.retrySafe ? resendable : once;
    AsyncAttempt<Response> attempt = context -> start(client, call.forAttempt(context.attempt()), context.attempt(), call, context::onCancel);
    OutcomeHandler<Response> outcomes = call.outcomes();
    CompletableFuture<Response> outcome = pipeline.executeAsync(attempt, outcomes);
    while (true) {
      try {
        return outcome.get(CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillRunning) {
        if (outer.isCanceled()) {
          abandon(outcome);
          throw new IOException("Canceled");
        }
      } catch (InterruptedException interrupted) {
        abandon(outcome);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for " + call.describe());
      } catch (ExecutionException failed) {
        Throwable cause = failed.getCause();
        if (cause instanceof CancellationException) {
          // Our own attempt's call was cancelled: OkHttp's word for it, and final.
          throw new IOException("Canceled", cause);
        }
        if (cause instanceof Exception) {
          throw (Exception) cause;
        }
        throw (Error) cause;
      }
    }
  }

  /** Cancels the call's attempts and timers; a response that won meanwhile is closed. */
  private static void abandon(CompletableFuture<Response> outcome) {
    outcome.cancel(true);
    outcome.thenAccept(Response::close);
  }

  /**
   * Logs one attempt at DEBUG on the {@code dev.tailguard.http} logger, as the JDK adapter does:
   * header values only for {@link Redaction#isLoggableHeader allow-listed} headers, the URI
   * redacted, never a body or an exception message.
   */
  private static void log(Request request, int attempt, Response response, Throwable error, long startedNanos) {
    if (!LOG.isLoggable(System.Logger.Level.DEBUG)) {
      return;
    }
    String outcome = error != null ? "failed: " + error.getClass().getName() : "HTTP " + response.code();
    LOG.log(System.Logger.Level.DEBUG, "attempt " + attempt + " " + request.method() + " " + Redaction.uri(request.url().uri())
        + " " + Redaction.headers(request.headers().toMultimap()) + " -> " + outcome
        + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) + " ms");
  }

  private static CompletableFuture<Response> start(OkHttpClient client, Request request, int attempt,
      TailguardInterceptor.OkHttpCall call, java.util.function.Consumer<Runnable> onCancel) {
    FollowUpGuard.Hidden hidden = request.tag(FollowUpGuard.Hidden.class);
    // Every cancel goes through the gate: OkHttp must not be cancelled mid HTTP/2 header write.
    SafeCancel gate = new SafeCancel();
    Call own = client.newCall(request.newBuilder().tag(SafeCancel.class, gate).build());
    gate.bind(own);
    CompletableFuture<Response> future = new CompletableFuture<>();
    onCancel.accept(gate::cancel);
    future.whenComplete((response, error) -> {
      if (future.isCancelled()) {
        gate.cancel();
      }
    });
    ATTEMPTS.execute(() -> {
      long started = System.nanoTime();
      Response response;
      try {
        response = hidden.restore(own.execute());
      } catch (IOException failure) {
        log(request, attempt, null, failure, started);
        future.completeExceptionally(own.isCanceled() || gate.requested() ? cancelled(failure) : call.attemptFailure(failure));
        return;
      } catch (RuntimeException unchecked) {
        log(request, attempt, null, unchecked, started);
        // OkHttp 4.12 throws IllegalStateException("state: 3") on a flood of 1xx responses: a bad
        // answer, not a caller bug, so it travels as the IOException execute() promises.
        IOException failure = new IOException("OkHttp failed on the answer to " + call.describe() + ": " + unchecked, unchecked);
        future.completeExceptionally(own.isCanceled() || gate.requested() ? cancelled(failure) : call.attemptFailure(failure));
        return;
      } catch (Error failure) {
        log(request, attempt, null, failure, started);
        future.completeExceptionally(failure);
        return;
      }
      log(request, attempt, response, null, started);
      // The attempt was cancelled while its response arrived (a hedge loser, a timeout): nobody
      // will ever receive this response, so it is closed here, not leaked.
      if (!future.complete(response)) {
        response.close();
      }
    });
    return future;
  }

  /** OkHttp's "Canceled" as the cancellation it is: never retried, never charged to a breaker. */
  private static CancellationException cancelled(IOException failure) {
    CancellationException cancelled = new CancellationException("OkHttp call canceled");
    cancelled.initCause(failure);
    return cancelled;
  }
}
