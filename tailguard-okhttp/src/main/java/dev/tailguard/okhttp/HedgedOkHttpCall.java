package dev.tailguard.okhttp;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.Pipeline;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * A hedged OkHttp call: every attempt is its own {@link Call} on the base client, run with {@code
 * execute()} on Tailguard's threads (not {@code enqueue()}: attempts waiting in the dispatcher's
 * per-host queue behind the very calls that wait for them would deadlock). Losers are cancelled,
 * which closes their stream; the interceptor's thread waits for the winner and gives up when the
 * outer call is cancelled.
 */
final class HedgedOkHttpCall {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService ATTEMPTS = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "tailguard-okhttp-hedge-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });
  /** How often the waiting thread checks whether the outer call was cancelled. */
  private static final long CANCEL_POLL_MILLIS = 20;

  private final OkHttpClient base;
  private final TailguardInterceptor.OkHttpCall call;
  private final Call outer;

  HedgedOkHttpCall(OkHttpClient base, TailguardInterceptor.OkHttpCall call, Call outer) {
    this.base = base;
    this.call = call;
    this.outer = outer;
  }

  Response run(Pipeline hedging) throws Exception {
    AsyncAttempt<Response> attempt = context -> {
      Call own = base.newCall(call.request.newBuilder().tag(TailguardInterceptor.OwnAttempt.class, TailguardInterceptor.OwnAttempt.MARK).build());
      context.onCancel(own::cancel);
      CompletableFuture<Response> response = CompletableFuture.supplyAsync(() -> {
        try {
          return own.execute();
        } catch (IOException failure) {
          throw new java.util.concurrent.CompletionException(call.attemptFailure(failure));
        }
      }, ATTEMPTS);
      response.whenComplete((r, e) -> {
        if (response.isCancelled()) {
          own.cancel();
        }
      });
      return response;
    };
    CompletableFuture<Response> winner = hedging.executeAsync(attempt, call.outcomes());
    while (true) {
      try {
        return winner.get(CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillRunning) {
        if (outer.isCanceled()) {
          winner.cancel(true);
          throw new IOException("Canceled");
        }
      } catch (InterruptedException interrupted) {
        winner.cancel(true);
        throw new InterruptedIOException("interrupted while hedging " + call.describe());
      } catch (ExecutionException failed) {
        Throwable cause = failed.getCause();
        if (cause instanceof Exception) {
          throw (Exception) cause;
        }
        throw (Error) cause;
      }
    }
  }
}
